namespace Hearth.Sandbox;

/// <summary>
/// Watches one run and decides when its module must stop: time limit, cancellation, or
/// output (/out, the console) or scratch space (/tmp) over its limits. The guard only decides and records why; whoever runs the
/// module registers on <see cref="StopRequested"/> how to stop it (advance the epoch in
/// this process, end a sandbox host's process).
/// </summary>
internal sealed class RunGuard : IDisposable
{
    private readonly TimeProvider _time;
    private readonly SandboxLimits _limits;
    private readonly string _outDirectory;
    private readonly string _scratchDirectory;
    private readonly TimeSpan _interval;
    private readonly Lock _lock = new();
    // Never disposed: it has no timer or wait handle, and a late Stop must not meet a disposed source.
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenRegistration _cancellation;
    private ITimer? _timer;
    private long? _startTimestamp;
    private long _consoleBytes;
    private int _checking;
    private bool _disposed;

    /// <summary>Watches <paramref name="cancellationToken"/> from now on; the clock starts with <see cref="Start"/>.</summary>
    public RunGuard(TimeProvider time, SandboxLimits limits, string outDirectory, string scratchDirectory, TimeSpan interval, CancellationToken cancellationToken)
    {
        _time = time;
        _limits = limits;
        _outDirectory = outDirectory;
        _scratchDirectory = scratchDirectory;
        _interval = interval;
        _cancellation = cancellationToken.Register(() => Stop(SandboxFailureKind.None, "cancelled", cancelled: true));
    }

    /// <summary>Why the module was stopped; null while it may run. Only <see cref="SandboxFailureKind.Timeout"/>, <see cref="SandboxFailureKind.OutputTooLarge"/> or cancellation.</summary>
    public (SandboxFailureKind Kind, string Reason)? StopReason { get; private set; }

    public bool Cancelled { get; private set; }

    /// <summary>Cancelled once, when the module must stop; a registration after that runs at once.</summary>
    public CancellationToken StopRequested => _stop.Token;

    /// <summary>The module's code starts now: the time limit counts from here, and /out and /tmp are checked every interval.</summary>
    public void Start()
    {
        _startTimestamp = _time.GetTimestamp();
        _timer = _time.CreateTimer(_ => Check(), null, _interval, _interval);
    }

    /// <summary>Time since <see cref="Start"/>; zero before.</summary>
    public TimeSpan Elapsed => _startTimestamp is { } start ? _time.GetElapsedTime(start) : TimeSpan.Zero;

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
                return;
            }
            // Scratch space past its limit is the program's own doing too: the same kind, a reason naming /tmp.
            var scratch = OutputScanner.Scratch(_scratchDirectory, _limits.ScratchBytes, _limits.ScratchEntries);
            if (scratch.LimitExceeded is { } scratchReason)
            {
                Stop(SandboxFailureKind.OutputTooLarge, scratchReason + " while the module ran");
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The module can delete or rename an entry during the walk; the next tick
            // sees a settled folder, and the scans after the run are the ones that count.
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
            if (StopReason is not null || _disposed)
            {
                return;
            }
            Cancelled = cancelled;
            StopReason = (kind, reason);
        }
        _stop.Cancel();
    }

    /// <summary>Stops watching: the module has ended.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
        }
        _timer?.Dispose();
        _cancellation.Dispose();
    }
}
