namespace Hearth.Heat.Tests;

public class CitySimulationSmallTests
{
    private static readonly SimulationOptions Small = new() { BoilerCount = 10, Seed = 7 };

    [Fact]
    public void The_same_seed_gives_the_same_report()
    {
        var first = CitySimulation.Run(Small);
        var second = CitySimulation.Run(Small);

        Assert.Equal(first.JsonLines(), second.JsonLines());
        Assert.Equal(first.Boilers, second.Boilers);
        Assert.Equal(first.Results[0].Series.PlacedLoadKilowatts, second.Results[0].Series.PlacedLoadKilowatts);
    }

    [Fact]
    public void Another_seed_gives_another_city_and_stream()
    {
        var first = CitySimulation.Run(Small);
        var other = CitySimulation.Run(Small with { Seed = 8 });

        Assert.NotEqual(first.Boilers, other.Boilers);
        Assert.NotEqual(first.TaskCount, other.TaskCount);
    }

    [Fact]
    public void Throttling_servers_dump_nothing_and_the_heat_blind_pool_pays_in_deadlines()
    {
        var report = CitySimulation.Run(Small with { Overheat = OverheatResponse.Throttle });

        Assert.All(report.Results, run => Assert.Equal(0, run.DumpedHeatKilowattHours));
        var blind = report.Get(Season.Summer, LeastLoadedPlacement.PolicyName);
        var aware = report.Get(Season.Summer, HeatAwarePlacement.PolicyName);
        Assert.True(blind.DeadlineMissShare > aware.DeadlineMissShare, $"{blind.DeadlineMissShare} vs {aware.DeadlineMissShare}");
    }

    [Fact]
    public void Plots_can_be_written_later_to_any_folder()
    {
        var report = CitySimulation.Run(Small with { BoilerCount = 3 });
        string folder = Path.Combine(Path.GetTempPath(), "hearth-heat-plots-" + Guid.NewGuid().ToString("N"));
        try
        {
            var files = CitySimulation.WritePlots(report, folder);

            Assert.Empty(report.PlotFiles);
            Assert.Equal(2, files.Count);
            Assert.All(files, f => Assert.True(new FileInfo(f).Length > 0));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_cancelled_run_stops()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => CitySimulation.Run(Small, cancelled.Token));
    }
}
