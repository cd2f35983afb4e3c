namespace Hearth.Heat.Tests;

public class ValidationTests
{
    private static readonly BoilerParameters Valid = Build.Boiler(BuildingKind.Home, 2400);

    [Fact]
    public void The_presets_are_valid()
    {
        Assert.Empty(BoilerParametersValidator.Validate(Valid));
        Assert.Empty(BoilerParametersValidator.Validate(BoilerPresets.Qarnot(DrawProfiles.For(BuildingKind.Home, 800))));
        Assert.Empty(new SimulationOptions().Validate());
    }

    public static TheoryData<BoilerParameters, string> Invalid() => new()
    {
        { Valid with { TankLitres = -100 }, "TankLitres must be a finite number > 0" },
        { Valid with { TankLitres = double.NaN }, "TankLitres must be a finite number > 0" },
        { Valid with { MinimumCelsius = 65, MaximumCelsius = 60 }, "MinimumCelsius (65 °C) must be below MaximumCelsius (60 °C)" },
        { Valid with { TargetCelsius = 70 }, "TargetCelsius (70 °C) must lie between" },
        { Valid with { MaximumCelsius = double.NaN }, "MaximumCelsius must be a finite number" },
        { Valid with { MaximumCelsius = 120, TargetCelsius = 60 }, "must be below 100 °C" },
        { Valid with { IdleWatts = 9000 }, "IdleWatts (9000 W) must not exceed MaxWatts (7500 W)" },
        { Valid with { LossWattsPerKelvin = double.PositiveInfinity }, "LossWattsPerKelvin must be a finite number ≥ 0" },
        { Valid with { BackupHeaterWatts = -1 }, "BackupHeaterWatts must be a finite number ≥ 0" },
        { Valid with { ColdInletCelsius = 52 }, "ColdInletCelsius (52 °C) must be above 0 °C and below MinimumCelsius" },
        { Valid with { RoomCelsius = 55 }, "RoomCelsius (55 °C) must not exceed MinimumCelsius" },
        { Valid with { PlanningHorizonSeconds = 0 }, "PlanningHorizonSeconds must be a finite number > 0" },
        { Valid with { Draw = new DrawProfile(new double[23]) }, "Draw must give 24 hourly values (has 23)" },
        { Valid with { Draw = new DrawProfile(Enumerable.Repeat(10.0, 23).Append(double.NaN).ToArray()) }, "Draw at hour 23 must be a finite number of litres" },
        { Valid with { Overheat = (OverheatResponse)7 }, "Overheat (7) is not a known response" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_parameters_are_rejected_with_a_clear_message(BoilerParameters parameters, string message)
    {
        var errors = BoilerParametersValidator.Validate(parameters);
        Assert.Contains(errors, e => e.Contains(message, StringComparison.Ordinal));

        var thrown = Assert.Throws<ArgumentException>(() => new BoilerModel(parameters, Build.Midnight));
        Assert.Contains(message, thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var errors = BoilerParametersValidator.Validate(Valid with { TankLitres = -1, MaxWatts = double.NaN, BackupHeaterWatts = -5 });

        Assert.Equal(3, errors.Count);
    }

    [Theory]
    [InlineData(0, 0.5)]
    [InlineData(-60, 0.5)]
    [InlineData(double.NaN, 0.5)]
    [InlineData(60, 1.5)]
    [InlineData(60, double.NaN)]
    [InlineData(60, -0.1)]
    public void Invalid_steps_are_rejected(double seconds, double utilisation)
    {
        var model = new BoilerModel(Valid, Build.Midnight);

        Assert.Throws<ArgumentOutOfRangeException>(() => model.Step(seconds, utilisation));
        Assert.Equal(Build.Midnight, model.Now);
    }

    [Fact]
    public void A_step_that_would_draw_more_than_the_tank_is_rejected()
    {
        var model = new BoilerModel(Build.Boiler(BuildingKind.Home, 3000) with { TankLitres = 100 }, Build.Midnight);

        var thrown = Assert.Throws<InvalidOperationException>(() => model.Step(6 * 3600, 0));
        Assert.Contains("use shorter steps", thrown.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(75)]
    [InlineData(5)]
    public void An_initial_temperature_outside_the_tanks_range_is_rejected(double celsius) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new BoilerModel(Valid, Build.Midnight, celsius));

    public static TheoryData<SimulationOptions, string> InvalidOptions() => new()
    {
        { new SimulationOptions { BoilerCount = 0 }, "BoilerCount must lie between 1 and 10000" },
        { new SimulationOptions { StepSeconds = double.NaN }, "StepSeconds must lie between 1 and 900" },
        { new SimulationOptions { DemandShareOfWinterHeat = -1 }, "DemandShareOfWinterHeat must be > 0" },
        { new SimulationOptions { SlotsPerBoiler = 0 }, "SlotsPerBoiler must lie between 1 and 1000" },
        { new SimulationOptions { MinTaskSeconds = 600, MaxTaskSeconds = 60 }, "0 < MinTaskSeconds ≤ MaxTaskSeconds" },
        { new SimulationOptions { MinDeadlineFactor = 0.5 }, "1 ≤ MinDeadlineFactor ≤ MaxDeadlineFactor" },
        { new SimulationOptions { OutputFolder = " " }, "OutputFolder must be null or a path" },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Invalid_simulation_options_are_rejected(SimulationOptions options, string message)
    {
        var thrown = Assert.Throws<ArgumentException>(() => CitySimulation.Run(options));
        Assert.Contains(message, thrown.Message, StringComparison.Ordinal);
    }
}
