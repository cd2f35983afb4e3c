namespace Hearth.Heat;

/// <summary>
/// What a boiler reports to its pool's scheduler.
/// </summary>
/// <param name="Timestamp">When the reading was taken.</param>
/// <param name="TankCelsius">Tank temperature, °C.</param>
/// <param name="HeatDemandWatts">
/// Heat the building wants now, W: the power that would bring the tank to its target over the planning
/// horizon while covering the tank's losses and the hot water expected to be drawn; 0 when it wants none.
/// It is what the building asks for, whatever the servers already supply.
/// </param>
/// <param name="Utilisation">Utilisation the servers delivered over the last step (0 to 1).</param>
/// <param name="PowerWatts">Electric (and so heat) power of the servers over the last step, W.</param>
/// <param name="MaxAcceptedPowerWatts">
/// Highest constant server power the tank can take over the planning horizon without exceeding its
/// maximum, given its losses and the expected draw, W.
/// </param>
/// <param name="MaximumCelsius">The tank's maximum temperature, °C; at it the servers throttle or dump.</param>
public sealed record BoilerTelemetry(
    DateTimeOffset Timestamp,
    double TankCelsius,
    double HeatDemandWatts,
    double Utilisation,
    double PowerWatts,
    double MaxAcceptedPowerWatts,
    double MaximumCelsius)
{
    /// <summary>True when every figure is a finite number, as a reading from outside must be before use.</summary>
    public bool IsWellFormed =>
        double.IsFinite(TankCelsius) && double.IsFinite(HeatDemandWatts) && double.IsFinite(Utilisation)
        && double.IsFinite(PowerWatts) && double.IsFinite(MaxAcceptedPowerWatts) && double.IsFinite(MaximumCelsius);

    /// <summary>True when the tank is at its maximum: the servers can add no heat beyond what leaves it.</summary>
    public bool AtMaximum => TankCelsius >= MaximumCelsius;
}
