namespace Hearth.Heat;

/// <summary>
/// A city of digital boilers over a winter day and a summer day, with the same buildings and the same
/// stream of tasks placed once heat-aware and once heat-blind (least loaded).
/// </summary>
public static class CitySimulation
{
    /// <summary>
    /// Runs every (season, policy) pair; when <see cref="SimulationOptions.OutputFolder"/> is set, also
    /// writes one plot per season there (see <see cref="WritePlots"/>).
    /// </summary>
    public static SimulationReport Run(SimulationOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.EnsureValid();

        // One generator, consumed in a fixed order: city first, then tasks, so a seed fixes both.
        var random = new Random(options.Seed);
        var city = City.Generate(options.BoilerCount, random);
        var hardware = BoilerPresets.Stimergy(DrawProfile.None);
        double taskWatts = (hardware.MaxWatts - hardware.IdleWatts) / options.SlotsPerBoiler;
        var tasks = TaskStream.Generate(options, WinterTaskEnergyJoules(city, options), taskWatts, random);

        var policies = new IPlacementPolicy[]
        {
            new HeatAwarePlacement(new HeatAwarePlacementOptions { WaitMarginSeconds = 2 * options.StepSeconds }),
            new LeastLoadedPlacement(),
        };
        var results = new List<SeasonPolicyResult>();
        foreach (var season in new[] { SeasonConditions.Winter, SeasonConditions.Summer })
        {
            foreach (var policy in policies)
            {
                results.Add(new PoolRun(options, season, policy, city, tasks).Execute(cancellationToken));
            }
        }

        var report = new SimulationReport { Options = options, Boilers = city, TaskCount = tasks.Count, Results = results };
        return options.OutputFolder is null ? report : report with { PlotFiles = WritePlots(report, options.OutputFolder) };
    }

    /// <summary>
    /// Writes heat-&lt;season&gt;.png per season in <paramref name="folder"/> (created if missing): tank
    /// temperatures of a few boilers and the placed load over the day, both policies. Returns the paths.
    /// </summary>
    public static IReadOnlyList<string> WritePlots(SimulationReport report, string folder) => SimulationPlots.Write(report, folder);

    /// <summary>
    /// The day's task energy: the requested share of the heat the city's tanks need on a winter day at
    /// their target, less what idle servers already give.
    /// </summary>
    private static double WinterTaskEnergyJoules(IReadOnlyList<CityBoiler> city, SimulationOptions options)
    {
        double need = city.Sum(b => City.DailyHeatNeedJoules(City.Parameters(b, SeasonConditions.Winter, options.Overheat)));
        double idle = city.Count * BoilerPresets.Stimergy(DrawProfile.None).IdleWatts * 86_400;
        return Math.Max(0, options.DemandShareOfWinterHeat * (need - idle));
    }
}
