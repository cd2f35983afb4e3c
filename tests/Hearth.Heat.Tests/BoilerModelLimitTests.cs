namespace Hearth.Heat.Tests;

public class BoilerModelLimitTests
{
    [Fact]
    public void Servers_throttle_to_the_losses_when_the_tank_is_full()
    {
        var p = Build.DryBoiler();
        var model = new BoilerModel(p, Build.Midnight, initialCelsius: p.MaximumCelsius);

        var step = model.Step(60, 1);

        double lossWatts = p.LossWattsPerKelvin * (p.MaximumCelsius - p.RoomCelsius);
        Assert.True(step.Throttled);
        Assert.Equal(lossWatts, step.ServerWatts, 9);
        Assert.Equal(lossWatts / p.MaxWatts, step.RunFraction, 12);
        Assert.Equal(0, step.DumpedJoules);
        Assert.Equal(p.MaximumCelsius, model.TankCelsius);
        Assert.True(model.Totals.ThrottledSeconds > 0);
    }

    [Fact]
    public void Servers_stop_when_the_full_tank_can_absorb_nothing()
    {
        var p = Build.DryBoiler() with { LossWattsPerKelvin = 0 };
        var model = new BoilerModel(p, Build.Midnight, initialCelsius: p.MaximumCelsius);

        var step = model.Step(60, 1);

        Assert.Equal(0, step.RunFraction);
        Assert.Equal(0, step.ServerJoules);
        Assert.Equal(0, model.Telemetry().PowerWatts);
    }

    [Fact]
    public void Servers_throttle_only_on_the_step_that_reaches_the_maximum()
    {
        var p = Build.DryBoiler();
        var model = new BoilerModel(p, Build.Midnight, initialCelsius: p.MaximumCelsius - 0.05);

        var first = model.Step(60, 1);
        var second = model.Step(60, 1);

        Assert.True(first.RunFraction is > 0 and < 1);
        Assert.Equal(p.MaximumCelsius, model.TankCelsius);
        Assert.True(second.RunFraction < first.RunFraction);
    }

    [Fact]
    public void Forced_servers_dump_what_the_full_tank_cannot_take()
    {
        var p = Build.DryBoiler(OverheatResponse.Dump);
        var model = new BoilerModel(p, Build.Midnight, initialCelsius: p.MaximumCelsius);

        var step = model.Step(60, 1);

        double lossJoules = p.LossWattsPerKelvin * (p.MaximumCelsius - p.RoomCelsius) * 60;
        Assert.Equal(1, step.RunFraction);
        Assert.Equal(p.MaxWatts * 60, step.ServerJoules);
        Assert.Equal(p.MaxWatts * 60 - lossJoules, step.DumpedJoules, 6);
        Assert.Equal(p.MaximumCelsius, model.TankCelsius);
    }

    [Fact]
    public void Idle_servers_never_dump_they_stop()
    {
        var p = Build.DryBoiler(OverheatResponse.Dump);
        var model = new BoilerModel(p, Build.Midnight, initialCelsius: p.MaximumCelsius);

        var step = model.Step(60, 0);

        Assert.Equal(0, step.DumpedJoules);
        Assert.True(step.Throttled);
    }

    [Theory]
    [InlineData(BuildingKind.Home, OverheatResponse.Throttle)]
    [InlineData(BuildingKind.Office, OverheatResponse.Dump)]
    [InlineData(BuildingKind.SwimmingPool, OverheatResponse.Dump)]
    [InlineData(BuildingKind.Office, OverheatResponse.Throttle)]
    public void The_tank_never_exceeds_its_maximum(BuildingKind kind, OverheatResponse overheat)
    {
        var p = Build.Boiler(kind, 800, overheat);
        var model = new BoilerModel(p, Build.Midnight, initialCelsius: 59);
        var random = new Random(3);

        for (int step = 0; step < 2 * 24 * 60; step++)
        {
            model.Step(60, random.NextDouble() < 0.8 ? 1 : random.NextDouble());
            Assert.True(model.TankCelsius <= p.MaximumCelsius, $"{model.TankCelsius} °C after step {step}");
        }

        Assert.Equal(p.MaximumCelsius, model.TankCelsius);
    }

    [Fact]
    public void The_backup_heater_holds_the_minimum_and_counts_the_shortfall()
    {
        var p = Build.Boiler(BuildingKind.Home, 4000) with { IdleWatts = 0 };
        var model = new BoilerModel(p, Build.Midnight, initialCelsius: p.MinimumCelsius + 1);

        for (int step = 0; step < 24 * 60; step++)
        {
            model.Step(60, 0);
            Assert.True(model.TankCelsius >= p.MinimumCelsius, $"{model.TankCelsius} °C after step {step}");
        }

        var totals = model.Totals;
        Assert.True(totals.BackupJoules > 0);
        Assert.True(totals.ComfortShortfallSeconds > 0);
        Assert.Equal(0, totals.ServerJoules);
        Assert.True(Math.Abs(totals.BalanceErrorJoules) <= 1e-6 * totals.BackupJoules);
    }

    [Fact]
    public void An_undersized_backup_heater_lets_the_tank_fall_and_the_shortfall_still_counts()
    {
        var p = Build.Boiler(BuildingKind.Home, 8000) with { IdleWatts = 0, BackupHeaterWatts = 1000 };
        var model = new BoilerModel(p, Build.Midnight.AddHours(7), initialCelsius: p.MinimumCelsius);

        var step = model.Step(60, 0);

        Assert.Equal(1000 * 60, step.BackupJoules);
        Assert.True(model.TankCelsius < p.MinimumCelsius);
        Assert.Equal(60, model.Totals.ComfortShortfallSeconds);
    }

    [Fact]
    public void Computing_heat_needs_no_backup_while_it_covers_the_draw()
    {
        var model = new BoilerModel(Build.Boiler(BuildingKind.Office, 600), Build.Midnight);

        for (int step = 0; step < 24 * 60; step++)
        {
            model.Step(60, 0.5);
        }

        Assert.Equal(0, model.Totals.BackupJoules);
        Assert.Equal(0, model.Totals.ComfortShortfallSeconds);
    }
}
