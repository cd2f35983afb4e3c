namespace Hearth.Scheduler.Persistence;

/// <summary>A worker that logged in, with what its last heartbeat said.</summary>
public sealed class WorkerEntity
{
    /// <summary>Its wallet address, lowercase.</summary>
    public string Address { get; set; } = "";
    public int Slots { get; set; }
    public int FreeSlots { get; set; }

    /// <summary>The last <see cref="Protocol.WorkerApi.WorkerTelemetry"/>, as JSON; null without a boiler.</summary>
    public string? TelemetryJson { get; set; }
    public long LastHeartbeatMs { get; set; }
    public long LoggedInAtMs { get; set; }

    /// <summary>Until then (unix ms) the worker is given one replicate at a time: a replicate's lease ran out on it.</summary>
    public long ProbationUntilMs { get; set; }
    public int Version { get; set; }
}
