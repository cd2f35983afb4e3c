using Hearth.Heat;
using Hearth.Protocol.WorkerApi;

namespace Hearth.Worker.Telemetry;

/// <summary>
/// Telemetry of a boiler. A <see cref="SimulatedBoiler"/> is also told the worker's load, so the heat it reports is the
/// heat this worker's tasks make; a real boiler's sensors see that by themselves.
/// </summary>
public sealed class BoilerWorkerTelemetry : IWorkerTelemetry
{
    private readonly IBoilerTelemetrySource _source;
    private readonly object _gate = new();

    public BoilerWorkerTelemetry(IBoilerTelemetrySource source, WorkerLoad load)
    {
        _source = source;
        if (source is SimulatedBoiler simulated)
        {
            load.Changed += utilisation =>
            {
                // The model is not thread-safe and runs end on many threads.
                lock (_gate)
                    simulated.RequestedUtilisation = utilisation;
            };
        }
    }

    public async ValueTask<WorkerTelemetry?> ReadAsync(CancellationToken ct)
    {
        BoilerTelemetry reading;
        if (_source is SimulatedBoiler simulated)
        {
            lock (_gate)
                reading = simulated.Read();
        }
        else
        {
            reading = await _source.ReadAsync(ct);
        }
        // A sensor gateway is outside the worker; a reading with NaNs would mislead placement.
        if (!reading.IsWellFormed)
            return null;
        return new WorkerTelemetry(reading.TankCelsius, reading.HeatDemandWatts, reading.MaxAcceptedPowerWatts,
            reading.MaximumCelsius, reading.Utilisation, reading.PowerWatts, reading.Timestamp);
    }

    /// <summary>
    /// A Stimergy-sized boiler of a block of flats, starting at its target temperature now. With
    /// <paramref name="dayStartHour"/>, its building's day starts at that hour (UTC) whatever the clock's hour, so its hot-water
    /// demand does not depend on when it is started; its readings keep the clock's time.
    /// </summary>
    public static SimulatedBoiler DefaultSimulatedBoiler(string boilerId, TimeProvider time, double? dayStartHour = null)
    {
        var now = time.GetUtcNow();
        var offset = dayStartHour is { } hour ? DayOffset(now, hour) : TimeSpan.Zero;
        var model = new BoilerModel(BoilerPresets.Stimergy(DrawProfiles.For(BuildingKind.Home, 2000)), now + offset);
        return new SimulatedBoiler(boilerId, model, time, stepSeconds: 1, offset);
    }

    /// <summary>The shift, under a day, that brings <paramref name="now"/> to <paramref name="hour"/> o'clock UTC.</summary>
    internal static TimeSpan DayOffset(DateTimeOffset now, double hour)
    {
        var shift = TimeSpan.FromHours(hour) - now.UtcDateTime.TimeOfDay;
        return shift < TimeSpan.Zero ? shift + TimeSpan.FromDays(1) : shift;
    }
}
