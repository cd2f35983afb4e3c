namespace Hearth.Heat.Tests;

public class SimulatedBoilerTests
{
    [Fact]
    public void The_clock_drives_the_model_in_whole_steps()
    {
        var clock = new SimulationClock(Build.Midnight);
        var boiler = new SimulatedBoiler("b1", new BoilerModel(Build.Boiler(BuildingKind.Home, 2400), Build.Midnight), clock, 60);

        clock.Advance(TimeSpan.FromSeconds(630));
        var reading = boiler.Read();

        Assert.Equal(Build.Midnight.AddMinutes(10), reading.Timestamp);
        Assert.Equal(600, boiler.Model.Totals.SimulatedSeconds);

        clock.Advance(TimeSpan.FromSeconds(30));
        boiler.Read();
        Assert.Equal(660, boiler.Model.Totals.SimulatedSeconds);
    }

    [Fact]
    public void Reading_often_or_seldom_gives_the_same_tank()
    {
        var often = Simulate(readEverySeconds: 60);
        var seldom = Simulate(readEverySeconds: 3600);

        Assert.Equal(often, seldom);
    }

    [Fact]
    public async Task Telemetry_reports_the_utilisation_power_and_demand()
    {
        var clock = new SimulationClock(Build.Midnight);
        var p = Build.Boiler(BuildingKind.Home, 2400);
        var boiler = new SimulatedBoiler("b1", new BoilerModel(p, Build.Midnight, initialCelsius: 51), clock, 60);
        boiler.RequestedUtilisation = 0.5;

        clock.Advance(TimeSpan.FromMinutes(1));
        var reading = await boiler.ReadAsync(CancellationToken.None);

        Assert.Equal(0.5, reading.Utilisation);
        Assert.Equal(p.ServerWatts(0.5), reading.PowerWatts, 9);
        Assert.True(reading.HeatDemandWatts > p.MaxWatts, "a tank 4 K below target over half an hour wants more than the servers give");
        Assert.True(reading.MaxAcceptedPowerWatts > reading.HeatDemandWatts);
        Assert.Equal(p.MaximumCelsius, reading.MaximumCelsius);
        Assert.False(reading.AtMaximum);
    }

    [Fact]
    public void A_full_tank_reports_no_demand_and_reads_at_maximum()
    {
        var p = Build.DryBoiler();
        var model = new BoilerModel(p, Build.Midnight, initialCelsius: p.MaximumCelsius);

        var reading = model.Telemetry();

        Assert.True(reading.AtMaximum);
        Assert.Equal(0, reading.HeatDemandWatts);
        Assert.Equal(p.LossWattsPerKelvin * (p.MaximumCelsius - p.RoomCelsius), reading.MaxAcceptedPowerWatts, 9);
    }

    [Fact]
    public async Task A_cancelled_read_throws()
    {
        var boiler = new SimulatedBoiler("b1", new BoilerModel(Build.DryBoiler(), Build.Midnight), new SimulationClock(Build.Midnight), 60);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAsync<OperationCanceledException>(async () => await boiler.ReadAsync(cancelled.Token));
    }

    [Fact]
    public void Invalid_utilisation_is_rejected()
    {
        var boiler = new SimulatedBoiler("b1", new BoilerModel(Build.DryBoiler(), Build.Midnight), new SimulationClock(Build.Midnight), 60);

        Assert.Throws<ArgumentOutOfRangeException>(() => boiler.RequestedUtilisation = double.NaN);
        Assert.Throws<ArgumentOutOfRangeException>(() => boiler.RequestedUtilisation = 2);
    }

    private static double Simulate(int readEverySeconds)
    {
        var clock = new SimulationClock(Build.Midnight);
        var boiler = new SimulatedBoiler("b1", new BoilerModel(Build.Boiler(BuildingKind.Home, 2400), Build.Midnight), clock, 60);
        boiler.RequestedUtilisation = 0.7;
        for (int elapsed = 0; elapsed < 86_400; elapsed += readEverySeconds)
        {
            clock.Advance(TimeSpan.FromSeconds(readEverySeconds));
            boiler.Read();
        }

        return boiler.Model.TankCelsius;
    }
}
