namespace Hearth.Heat;

/// <summary>
/// Typical hourly shapes of hot water use per building kind (weights, normalised to the daily volume).
/// Shapes follow the usual residential pattern of a morning and an evening peak, office washrooms and
/// kitchens in working hours, and a pool whose water is heated around the clock with showers while open.
/// </summary>
public static class DrawProfiles
{
    private static readonly double[] HomeShape =
    [
        1.0, 0.5, 0.4, 0.4, 0.5, 1.5, 4.5, 8.5, 8.0, 5.0, 3.5, 3.0,
        3.5, 3.0, 2.5, 2.5, 3.0, 4.0, 6.0, 8.0, 8.5, 7.0, 4.5, 2.5,
    ];

    private static readonly double[] OfficeShape =
    [
        0, 0, 0, 0, 0, 0, 0.5, 2.0, 6.0, 5.0, 4.0, 5.0,
        8.0, 7.0, 4.0, 4.0, 4.0, 5.0, 3.0, 1.0, 0.5, 0, 0, 0,
    ];

    // Pool water heating is continuous (evaporation, fresh water make-up); showers add to it from 7 to 22.
    private static readonly double[] PoolShape =
    [
        3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 5.0, 6.0, 6.0, 6.0, 6.5,
        7.5, 7.5, 6.0, 6.0, 6.5, 7.5, 8.0, 8.0, 7.0, 6.0, 3.0, 3.0,
    ];

    /// <summary>The hourly shape (weights summing to 1) of a building kind.</summary>
    public static IReadOnlyList<double> Shape(BuildingKind kind)
    {
        double[] weights = kind switch
        {
            BuildingKind.Home => HomeShape,
            BuildingKind.Office => OfficeShape,
            BuildingKind.SwimmingPool => PoolShape,
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown building kind."),
        };
        double total = weights.Sum();
        return weights.Select(w => w / total).ToArray();
    }

    /// <summary>A profile of <paramref name="dailyLitres"/> spread over the day as <paramref name="kind"/> uses it.</summary>
    public static DrawProfile For(BuildingKind kind, double dailyLitres)
    {
        if (!double.IsFinite(dailyLitres) || dailyLitres < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(dailyLitres), dailyLitres, "Daily litres must be a finite number ≥ 0.");
        }

        return new DrawProfile(Shape(kind).Select(share => share * dailyLitres).ToArray());
    }
}
