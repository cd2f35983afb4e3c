using System.Text.Json;
using System.Text.RegularExpressions;

namespace Hearth.Heat.Tests;

public class CitySimulationTests(CitySimulationFixture fixture) : IClassFixture<CitySimulationFixture>
{
    private readonly SimulationReport _report = fixture.Report;

    [Fact]
    public void Winter_heat_aware_turns_computing_into_useful_heat_and_keeps_deadlines()
    {
        var winter = _report.Get(Season.Winter, HeatAwarePlacement.PolicyName);

        Assert.True(winter.UsefulHeatShare >= 0.95, $"useful heat share {winter.UsefulHeatShare}");
        Assert.True(winter.DeadlineMissShare <= 0.01, $"deadline miss share {winter.DeadlineMissShare}");
        Assert.True(winter.TaskCount > 1000);
    }

    [Fact]
    public void The_heat_blind_baseline_is_clearly_worse_in_winter()
    {
        var aware = _report.Get(Season.Winter, HeatAwarePlacement.PolicyName);
        var blind = _report.Get(Season.Winter, LeastLoadedPlacement.PolicyName);

        Assert.True(blind.UsefulHeatShare < aware.UsefulHeatShare - 0.03, $"{blind.UsefulHeatShare} vs {aware.UsefulHeatShare}");
        Assert.True(blind.DumpedHeatKilowattHours > 10 * aware.DumpedHeatKilowattHours);
        Assert.True(blind.ComfortShortfallHours > aware.ComfortShortfallHours);
    }

    [Fact]
    public void In_summer_no_tank_exceeds_its_maximum_and_the_surplus_spills()
    {
        foreach (var run in _report.Results)
        {
            Assert.True(run.MaxTankCelsius <= run.TankMaximumCelsius, $"{run.Season} {run.Policy}: {run.MaxTankCelsius} °C");
        }

        var aware = _report.Get(Season.Summer, HeatAwarePlacement.PolicyName);
        var blind = _report.Get(Season.Summer, LeastLoadedPlacement.PolicyName);
        Assert.True(aware.SpilledTaskShare > 0.02, $"spilled {aware.SpilledTaskShare}");
        Assert.True(aware.SpilledTaskShare > _report.Get(Season.Winter, HeatAwarePlacement.PolicyName).SpilledTaskShare);
        Assert.Equal(0, blind.SpilledTaskShare);
        Assert.True(blind.DumpedHeatKilowattHours > aware.DumpedHeatKilowattHours);
    }

    [Fact]
    public void Both_policies_see_the_same_tasks_and_every_task_is_settled()
    {
        Assert.All(_report.Results, run =>
        {
            Assert.Equal(_report.TaskCount, run.TaskCount);
            Assert.Equal(run.TaskCount, run.CompletedTasks + run.MissedTasks + run.SpilledTasks);
        });
    }

    [Fact]
    public void Every_boiler_balances_its_energy()
    {
        Assert.All(_report.Results, run =>
            Assert.True(run.MaxBalanceErrorJoules <= 1e-6 * run.ComputingKilowattHours * 3.6e6 / _report.Boilers.Count, $"{run.MaxBalanceErrorJoules} J"));
    }

    [Fact]
    public void The_city_mixes_homes_offices_and_a_pool()
    {
        Assert.Equal(40, _report.Boilers.Count);
        Assert.Contains(_report.Boilers, b => b.Kind == BuildingKind.Home);
        Assert.Contains(_report.Boilers, b => b.Kind == BuildingKind.Office);
        Assert.Equal(6, _report.Boilers.Count(b => b.Kind == BuildingKind.SwimmingPool));
    }

    [Fact]
    public void Json_lines_have_exactly_the_documented_shape()
    {
        var lines = _report.JsonLines();
        var shape = new Regex(
            "^\\{\"season\": \"(winter|summer)\", \"policy\": \"(heat-aware|least-loaded)\", \"useful_heat_share\": -?\\d+\\.\\d+, " +
            "\"dumped_heat_kwh\": \\d+\\.\\d+, \"deadline_miss_share\": \\d+\\.\\d+, \"comfort_shortfall_hours\": \\d+\\.\\d+, \"spilled_task_share\": \\d+\\.\\d+\\}$");

        Assert.Equal(4, lines.Count);
        Assert.All(lines, line => Assert.Matches(shape, line));
        using var first = JsonDocument.Parse(lines[0]);
        Assert.Equal("winter", first.RootElement.GetProperty("season").GetString());
        Assert.Equal("heat-aware", first.RootElement.GetProperty("policy").GetString());
        Assert.Equal(Math.Round(_report.Results[0].UsefulHeatShare, 4), first.RootElement.GetProperty("useful_heat_share").GetDouble());
    }

    [Fact]
    public void A_png_plot_is_written_per_season()
    {
        byte[] signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

        Assert.Equal(2, _report.PlotFiles.Count);
        foreach (string season in new[] { "winter", "summer" })
        {
            string path = Path.Combine(fixture.PlotFolder, $"heat-{season}.png");
            Assert.Contains(path, _report.PlotFiles);
            byte[] bytes = File.ReadAllBytes(path);
            Assert.True(bytes.Length > 10_000, $"{path} has {bytes.Length} bytes");
            Assert.Equal(signature, bytes[..8]);
        }
    }
}
