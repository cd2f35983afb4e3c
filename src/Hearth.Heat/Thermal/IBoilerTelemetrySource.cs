namespace Hearth.Heat;

/// <summary>
/// A boiler's telemetry, as a worker reads it: a simulated boiler here, a sensor gateway on real hardware.
/// </summary>
public interface IBoilerTelemetrySource
{
    /// <summary>The boiler this source reports on.</summary>
    string BoilerId { get; }

    /// <summary>The boiler's current state.</summary>
    ValueTask<BoilerTelemetry> ReadAsync(CancellationToken cancellationToken);
}
