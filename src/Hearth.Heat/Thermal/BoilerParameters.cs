namespace Hearth.Heat;

/// <summary>
/// One digital boiler and the building it serves. Defaults describe a boiler of the size Stimergy installs
/// (about 7.5 kW of servers) on a 2,000-litre tank; docs/heat.md gives the sources and the assumptions.
/// </summary>
public sealed record BoilerParameters
{
    /// <summary>Water in the tank, litres.</summary>
    public double TankLitres { get; init; } = 2000;

    /// <summary>Heat lost by the tank to the room per kelvin of difference, W/K (insulation's UA value).</summary>
    public double LossWattsPerKelvin { get; init; } = 6;

    /// <summary>Electric power of the servers with no task running, W.</summary>
    public double IdleWatts { get; init; } = 1500;

    /// <summary>Electric power of the servers at full utilisation, W.</summary>
    public double MaxWatts { get; init; } = 7500;

    /// <summary>Electric power of the backup resistance that holds the tank at its minimum, W.</summary>
    public double BackupHeaterWatts { get; init; } = 18000;

    /// <summary>Lowest tank temperature the building accepts; below it the backup heater runs, °C.</summary>
    public double MinimumCelsius { get; init; } = 50;

    /// <summary>Temperature the building wants its tank at; heat demand is measured against it, °C.</summary>
    public double TargetCelsius { get; init; } = 55;

    /// <summary>Highest tank temperature: the servers' coolant cannot get hotter, °C.</summary>
    public double MaximumCelsius { get; init; } = 60;

    /// <summary>Temperature of the room around the tank (plant room), °C.</summary>
    public double RoomCelsius { get; init; } = 15;

    /// <summary>Temperature of the mains water that replaces what is drawn, °C.</summary>
    public double ColdInletCelsius { get; init; } = 10;

    /// <summary>Hot water drawn per hour of the day.</summary>
    public DrawProfile Draw { get; init; } = DrawProfile.None;

    /// <summary>What the servers do when the tank is full.</summary>
    public OverheatResponse Overheat { get; init; } = OverheatResponse.Throttle;

    /// <summary>
    /// Horizon over which telemetry expresses heat demand and maximum accepted power, seconds: the tank's
    /// headroom is spread over it. Half an hour covers the longest tasks the pool places.
    /// </summary>
    public double PlanningHorizonSeconds { get; init; } = 1800;

    /// <summary>Heat needed to warm the whole tank by one kelvin, J/K.</summary>
    public double HeatCapacityJoulesPerKelvin => Water.HeatCapacityJoulesPerKelvin(TankLitres);

    /// <summary>Electric power of the servers at <paramref name="utilisation"/> (0 to 1); all of it becomes heat, W.</summary>
    public double ServerWatts(double utilisation) => IdleWatts + (MaxWatts - IdleWatts) * utilisation;
}
