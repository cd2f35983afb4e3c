namespace Hearth.Heat.Tests;

public class BoilerModelEnergyTests
{
    public static TheoryData<BuildingKind, double, double, OverheatResponse> Days()
    {
        var data = new TheoryData<BuildingKind, double, double, OverheatResponse>();
        var cases = new (BuildingKind Kind, double Litres)[] { (BuildingKind.Home, 2500), (BuildingKind.Office, 600), (BuildingKind.SwimmingPool, 2800), (BuildingKind.Home, 6000) };
        foreach (var (kind, litres) in cases)
        {
            foreach (double utilisation in new[] { 0.0, 0.5, 1.0 })
            {
                data.Add(kind, litres, utilisation, OverheatResponse.Throttle);
                data.Add(kind, litres, utilisation, OverheatResponse.Dump);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Days))]
    public void Energy_balances_over_a_day(BuildingKind kind, double dailyLitres, double utilisation, OverheatResponse overheat)
    {
        var model = new BoilerModel(Build.Boiler(kind, dailyLitres, overheat), Build.Midnight);

        for (int step = 0; step < 24 * 60; step++)
        {
            model.Step(60, utilisation);
        }

        var totals = model.Totals;
        double energyIn = totals.ServerJoules + totals.BackupJoules;
        double accounted = totals.StoredChangeJoules + totals.LossJoules + totals.DrawnJoules + totals.DumpedJoules;
        Assert.True(energyIn > 0);
        Assert.True(Math.Abs(energyIn - accounted) <= 1e-6 * energyIn, $"in {energyIn} J, accounted {accounted} J");
        Assert.Equal(86_400, totals.SimulatedSeconds);
    }

    [Fact]
    public void Energy_balances_with_varying_load_and_odd_steps()
    {
        var model = new BoilerModel(Build.Boiler(BuildingKind.Home, 3000, OverheatResponse.Dump), Build.Midnight.AddMinutes(17));
        var random = new Random(7);

        double elapsed = 0;
        while (elapsed < 86_400)
        {
            double seconds = 13 + 90 * random.NextDouble();
            model.Step(seconds, random.NextDouble());
            elapsed += seconds;
        }

        var totals = model.Totals;
        Assert.True(Math.Abs(totals.BalanceErrorJoules) <= 1e-6 * (totals.ServerJoules + totals.BackupJoules));
        Assert.True(totals.DumpedJoules > 0 || totals.BackupJoules > 0);
    }

    [Fact]
    public void A_step_accounts_each_flow_from_the_starting_temperature()
    {
        var p = Build.Boiler(BuildingKind.Home, 2400);
        var model = new BoilerModel(p, Build.Midnight.AddHours(7), initialCelsius: 55);

        var step = model.Step(60, 0.5);

        double litres = p.Draw.LitresPerHour[7] / 60;
        Assert.Equal(litres, step.DrawnLitres, 9);
        Assert.Equal(litres * Water.HeatCapacityJoulesPerKilogramKelvin * (55 - p.ColdInletCelsius), step.DrawnJoules, 6);
        Assert.Equal(p.LossWattsPerKelvin * (55 - p.RoomCelsius) * 60, step.LossJoules, 9);
        Assert.Equal(p.ServerWatts(0.5) * 60, step.ServerJoules, 9);
        double expected = 55 + (step.ServerJoules - step.LossJoules - step.DrawnJoules) / p.HeatCapacityJoulesPerKelvin;
        Assert.Equal(expected, model.TankCelsius, 12);
    }
}
