namespace Hearth.Sandbox;

/// <summary>
/// Watches one running module and decides when it must stop: time limit,
/// cancellation, or output over its limits. Stopping works through the epoch: the
/// guard records why, advances the engines' epoch, and the store's deadline
/// callback, which runs on the module's thread, sees the reason and ends the run.
/// </summary>
internal sealed class RunGuard : IDisposable
{
    private readonly SandboxEngines _engines;
    private readonly TimeProvider _time;
    private readonly SandboxLimits _limits;
    private readonly string _outDirectory;
    private readonly TimeSpan _interval;
    private readonly Lock _lock = new();
    private ITimer? _timer;
    private CancellationTokenRegistration _cancellation;
    private long _startTimestamp;
    private long _consoleBytes;
    private int _checking;

    public RunGuard(SandboxEngines engines, TimeProvider time, SandboxLimits limits, string outDirectory, TimeSpan interval)
    {
        _engines = engines;
        _time = time;
        _limits = limits;
        _outDirectory = outDirectory;
        _interval = interval;
    }

    /// <summary>Why the module was stopped; null while it may run. Only <see cref="SandboxFailureKind.Timeout"/>, <see cref="SandboxFailureKind.OutputTooLarge"/> or cancellation.</summary>
    public (SandboxFailureKind Kind, string Reason)? StopReason { get; private set; }

    public bool Cancelled { get; private set; }

    public void Start(CancellationToken cancellationToken)
    {
        _startTimestamp = _time.GetTimestamp();
        _timer = _time.CreateTimer(_ => Check(), null, _interval, _interval);
        _cancellation = cancellationToken.Register(() => Stop(SandboxFailureKind.None, "cancelled", cancelled: true));
    }

    public TimeSpan Elapsed => _time.GetElapsedTime(_startTimestamp);

    /// <summary>The store's epoch deadline callback: throwing ends the module, returning lets it go on.</summary>
    public ulong OnEpochDeadline()
    {
        if (StopReason is not null)
        {
            throw new SandboxStopException(StopReason.Value.Reason);
        }
        return 1;
    }

    public void OnConsoleWritten(long bytes)
    {
        if (Interlocked.Add(ref _consoleBytes, bytes) > _limits.OutputBytes)
        {
            Stop(SandboxFailureKind.OutputTooLarge, $"stdout and stderr together exceeded the {_limits.OutputBytes} B output limit");
        }
    }

    private void Check()
    {
        // A slow scan of a crowded /out must not pile up timer callbacks.
        if (Interlocked.Exchange(ref _checking, 1) == 1)
        {
            return;
        }
        try
        {
            if (Elapsed > _limits.WallTime)
            {
                Stop(SandboxFailureKind.Timeout, $"wall-time limit of {_limits.WallTime.TotalMilliseconds:0} ms exceeded");
                return;
            }
            var scan = OutputScanner.Run(_outDirectory, _limits.OutputBytes, _limits.OutputEntries, collect: false);
            if (scan.LimitExceeded is { } reason)
            {
                Stop(SandboxFailureKind.OutputTooLarge, reason + " while the module ran");
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The module can delete or rename an entry during the walk; the next tick
            // sees a settled folder, and the scan after the run is the one that counts.
        }
        finally
        {
            Volatile.Write(ref _checking, 0);
        }
    }

    private void Stop(SandboxFailureKind kind, string reason, bool cancelled = false)
    {
        lock (_lock)
        {
            if (StopReason is not null)
            {
                return;
            }
            Cancelled = cancelled;
            StopReason = (kind, reason);
        }
        _engines.Tick();
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _cancellation.Dispose();
    }
}

/// <summary>Thrown from the epoch deadline callback to end a module the guard stopped.</summary>
internal sealed class SandboxStopException(string reason) : Exception(reason);
