namespace Hearth.Heat;

/// <summary>One boiler of the simulated city and the building it serves.</summary>
/// <param name="Id">Its id ("home-07", "office-02", "pool-3").</param>
/// <param name="Kind">The building.</param>
/// <param name="WinterDailyLitres">Hot water (or, for the pool, its heating equivalent) drawn from this tank on a winter day, litres.</param>
public sealed record CityBoiler(string Id, BuildingKind Kind, double WinterDailyLitres);

/// <summary>Builds the city's boilers and their parameters per season.</summary>
internal static class City
{
    /// <summary>
    /// About 15 % pool boilers (at most six, as at the Butte-aux-Cailles pool), 20 % offices, the rest
    /// homes; sizes drawn from <paramref name="random"/>.
    /// </summary>
    public static IReadOnlyList<CityBoiler> Generate(int count, Random random)
    {
        int pools = count >= 3 ? Math.Clamp((int)Math.Round(count * 0.15), 1, 6) : 0;
        int offices = count >= 2 ? Math.Max(1, (int)Math.Round(count * 0.2)) : 0;
        int homes = count - pools - offices;

        var boilers = new List<CityBoiler>(count);
        for (int i = 1; i <= homes; i++)
        {
            // 40 to 90 residents at about 40 L of tank water each per day.
            boilers.Add(new CityBoiler($"home-{i:D2}", BuildingKind.Home, Uniform(random, 1600, 3600)));
        }

        for (int i = 1; i <= offices; i++)
        {
            // 100 to 300 staff at about 3 L each per day.
            boilers.Add(new CityBoiler($"office-{i:D2}", BuildingKind.Office, Uniform(random, 300, 900)));
        }

        // The pool's water heating, shared equally between its boilers.
        double poolLitresPerBoiler = Uniform(random, 2400, 3000);
        for (int i = 1; i <= pools; i++)
        {
            boilers.Add(new CityBoiler($"pool-{i}", BuildingKind.SwimmingPool, poolLitresPerBoiler));
        }

        return boilers;
    }

    public static BoilerParameters Parameters(CityBoiler boiler, SeasonConditions season, OverheatResponse overheat) =>
        BoilerPresets.Stimergy(DrawProfiles.For(boiler.Kind, boiler.WinterDailyLitres * season.DrawFactor(boiler.Kind))) with
        {
            ColdInletCelsius = season.ColdInletCelsius,
            RoomCelsius = season.RoomCelsius,
            Overheat = overheat,
        };

    /// <summary>Heat a boiler's tank needs over a day to stay at its target: draw plus losses, joules.</summary>
    public static double DailyHeatNeedJoules(BoilerParameters p) =>
        p.Draw.DailyLitres * Water.KilogramsPerLitre * Water.HeatCapacityJoulesPerKilogramKelvin * (p.TargetCelsius - p.ColdInletCelsius)
        + p.LossWattsPerKelvin * (p.TargetCelsius - p.RoomCelsius) * 86_400;

    private static double Uniform(Random random, double min, double max) => min + (max - min) * random.NextDouble();
}
