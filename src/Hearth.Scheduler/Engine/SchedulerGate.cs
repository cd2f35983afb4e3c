namespace Hearth.Scheduler.Engine;

/// <summary>
/// Serialises the decisions that read and then change tasks and replicates (placement, contributions, sweeps, settlement
/// bookkeeping) within this process. The rows' version tokens catch what the gate cannot: another process on the same database.
/// Never hold it across a transaction that waits for the chain.
/// </summary>
public sealed class SchedulerGate
{
    private readonly SemaphoreSlim _semaphore = new(1, 1);

    public async Task<IDisposable> EnterAsync(CancellationToken ct)
    {
        await _semaphore.WaitAsync(ct);
        return new Releaser(_semaphore);
    }

    private sealed class Releaser(SemaphoreSlim semaphore) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) semaphore.Release();
        }
    }
}

/// <summary>A level-free wake-up: waiters return when something changed or their time is up.</summary>
public sealed class Pulse
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Fire() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>True when fired before <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        var fired = Volatile.Read(ref _next).Task;
        try
        {
            await fired.WaitAsync(timeout, ct);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}

/// <summary>Wake-ups between the parts of the scheduler.</summary>
public sealed class SchedulerSignals
{
    /// <summary>New replicates were assigned: long-polling workers look again.</summary>
    public Pulse Assigned { get; } = new();

    /// <summary>Something needs placing (a new deal, a lost or failed replicate, a worker asking).</summary>
    public Pulse PlacementNeeded { get; } = new();

    /// <summary>A task reached consensus.</summary>
    public Pulse SettlementNeeded { get; } = new();
}

/// <summary>The chain's time, from the newest block the watcher saw: deadlines are judged by it, not by this machine's clock.</summary>
public sealed class ChainClock
{
    private long _timestamp = -1;
    private long _head = -1;

    public void Observe(long head, long timestamp)
    {
        Volatile.Write(ref _head, head);
        Volatile.Write(ref _timestamp, timestamp);
    }

    /// <summary>Unix seconds of the newest block, or null before the first read.</summary>
    public long? Timestamp => Volatile.Read(ref _timestamp) is var t && t >= 0 ? t : null;

    public long? Head => Volatile.Read(ref _head) is var h && h >= 0 ? h : null;
}
