namespace Hearth.Heat;

/// <summary>The day the city simulation plays.</summary>
public enum Season
{
    Winter,
    Summer,
}

/// <summary>
/// What a season changes for the boilers: mains water temperature, plant room temperature, and how much
/// hot water each kind of building uses relative to its winter volume.
/// </summary>
public sealed record SeasonConditions(
    Season Season,
    double ColdInletCelsius,
    double RoomCelsius,
    double HomeDrawFactor,
    double OfficeDrawFactor,
    double PoolDrawFactor)
{
    /// <summary>Mains water at 8 °C, plant rooms at 15 °C, winter volumes.</summary>
    public static SeasonConditions Winter { get; } = new(Season.Winter, 8, 15, 1, 1, 1);

    /// <summary>
    /// Mains water at 20 °C, plant rooms at 24 °C; homes and offices use a quarter and a fifth less hot
    /// water, and a pool's water needs about a third of its winter heat (warm air, little evaporation loss).
    /// </summary>
    public static SeasonConditions Summer { get; } = new(Season.Summer, 20, 24, 0.75, 0.8, 0.35);

    public static SeasonConditions For(Season season) => season switch
    {
        Season.Winter => Winter,
        Season.Summer => Summer,
        _ => throw new ArgumentOutOfRangeException(nameof(season), season, "Unknown season."),
    };

    /// <summary>Share of the winter draw a building of <paramref name="kind"/> uses in this season.</summary>
    public double DrawFactor(BuildingKind kind) => kind switch
    {
        BuildingKind.Home => HomeDrawFactor,
        BuildingKind.Office => OfficeDrawFactor,
        BuildingKind.SwimmingPool => PoolDrawFactor,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown building kind."),
    };

    /// <summary>Lower-case name used in reports.</summary>
    public string Name => Season.ToString().ToLowerInvariant();
}
