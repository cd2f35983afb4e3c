namespace Hearth.Worker;

/// <summary>What the worker is doing, for its host (a status page, a test, the local network's console).</summary>
public sealed class WorkerStatus
{
    private volatile string? _lastSchedulerError;
    private long _heartbeats;
    private long _contributed;
    private long _failed;

    /// <summary>The worker's address.</summary>
    public required string Worker { get; init; }

    /// <summary>The last failure talking to the scheduler, cleared by the next success.</summary>
    public string? LastSchedulerError => _lastSchedulerError;

    public long Heartbeats => Interlocked.Read(ref _heartbeats);

    public long Contributed => Interlocked.Read(ref _contributed);

    public long Failed => Interlocked.Read(ref _failed);

    internal void SchedulerFailed(string message) => _lastSchedulerError = message;

    internal void HeartbeatSent()
    {
        _lastSchedulerError = null;
        Interlocked.Increment(ref _heartbeats);
    }

    internal void Ended(bool contributed) => Interlocked.Increment(ref contributed ? ref _contributed : ref _failed);
}
