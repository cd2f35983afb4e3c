using Microsoft.Extensions.Logging;

namespace Hearth.Sandbox.ChildProcess;

/// <summary>
/// Keeps up to <c>size</c> sandbox hosts running so that a run does not pay a process
/// start. A run rents a host and gives it back when the module finished normally; a
/// host that was ended or broke is discarded. When a rent leaves no host waiting and the
/// pool is not full, one more starts in the background, so the next run (or the
/// replacement of an ended host) finds it ready. More runs at once than hosts start
/// extra ones, which stay while runs keep coming and end once they waited
/// <see cref="SurplusIdleTime"/> unused: a host's start costs as much CPU as a hundred small runs.
/// </summary>
internal sealed class SandboxHostPool(SandboxHostLauncher launcher, int size, ILogger logger, TimeProvider time) : IDisposable
{
    /// <summary>How long a host beyond the pool's size may wait for a run before it ends.</summary>
    public static readonly TimeSpan SurplusIdleTime = TimeSpan.FromSeconds(30);

    private readonly Lock _lock = new();
    // Most recently used first: its in-memory module cache is the warmest. Each with the time it began to wait.
    private readonly LinkedList<(SandboxHost Host, long IdleSince)> _idle = new();
    // Waiting and serving hosts, not those still starting.
    private readonly HashSet<SandboxHost> _live = [];
    private int _starting;
    private bool _disposed;
    private ITimer? _surplusTimer;

    /// <summary>Process ids of the hosts waiting for a run, the next to serve first.</summary>
    internal IReadOnlyList<int> IdleProcessIds
    {
        get
        {
            lock (_lock)
            {
                return [.. _idle.Select(idle => idle.Host.ProcessId)];
            }
        }
    }

    /// <summary>Process ids of the hosts waiting or serving.</summary>
    internal IReadOnlyList<int> LiveProcessIds
    {
        get
        {
            lock (_lock)
            {
                return [.. _live.Select(host => host.ProcessId)];
            }
        }
    }

    public bool IsDisposed
    {
        get
        {
            lock (_lock)
            {
                return _disposed;
            }
        }
    }

    /// <summary>A host for one run: a waiting one, or a new one when none waits.</summary>
    public async Task<SandboxHost> RentAsync(CancellationToken cancellationToken)
    {
        while (TakeIdle() is { } waiting)
        {
            if (!waiting.Broken)
            {
                StartSpareIfNoneWaits();
                return waiting;
            }
            // It died while waiting (ended from outside, out of memory): try the next.
            Discard(waiting);
        }
        var host = await SandboxHost.StartAsync(launcher, logger, cancellationToken).ConfigureAwait(false);
        bool disposed;
        lock (_lock)
        {
            disposed = _disposed;
            if (!disposed)
            {
                _live.Add(host);
            }
        }
        if (disposed)
        {
            host.Dispose();
            throw new ObjectDisposedException(nameof(SandboxRunner));
        }
        StartSpareIfNoneWaits();
        return host;
    }

    /// <summary>The hosts waiting for a run, the next to serve first.</summary>
    internal IReadOnlyList<SandboxHost> IdleHosts
    {
        get
        {
            lock (_lock)
            {
                return [.. _idle.Select(idle => idle.Host)];
            }
        }
    }

    /// <summary>Takes back a host whose run finished normally.</summary>
    public void Return(SandboxHost host)
    {
        lock (_lock)
        {
            if (!_disposed && !host.Broken)
            {
                _idle.AddFirst((host, time.GetTimestamp()));
                ScheduleSurplusCheck();
                return;
            }
        }
        Discard(host);
    }

    /// <summary>Ends a host that was stopped, crashed or is not wanted any more.</summary>
    public void Discard(SandboxHost host)
    {
        lock (_lock)
        {
            _live.Remove(host);
        }
        host.Dispose();
    }

    private SandboxHost? TakeIdle()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, typeof(SandboxRunner));
            if (_idle.First is not { } first)
            {
                return null;
            }
            _idle.RemoveFirst();
            return first.Value.Host;
        }
    }

    /// <summary>Ends the hosts beyond the pool's size that waited <see cref="SurplusIdleTime"/>, coldest first.</summary>
    private void EndIdleSurplus()
    {
        var ended = new List<SandboxHost>();
        lock (_lock)
        {
            while (_live.Count > size && _idle.Last is { } coldest && time.GetElapsedTime(coldest.Value.IdleSince) >= SurplusIdleTime)
            {
                _idle.RemoveLast();
                _live.Remove(coldest.Value.Host);
                ended.Add(coldest.Value.Host);
            }
            ScheduleSurplusCheck();
        }
        foreach (var host in ended)
        {
            host.Dispose();
        }
    }

    /// <summary>Under the lock: when hosts beyond the pool's size wait, checks again when the coldest has waited long enough.</summary>
    private void ScheduleSurplusCheck()
    {
        if (_disposed)
        {
            // The timer is disposed with the pool.
            return;
        }
        if (_live.Count <= size || _idle.Last is not { } coldest)
        {
            _surplusTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }
        var due = SurplusIdleTime - time.GetElapsedTime(coldest.Value.IdleSince);
        _surplusTimer ??= time.CreateTimer(_ => EndIdleSurplus(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _surplusTimer.Change(due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private void StartSpareIfNoneWaits()
    {
        lock (_lock)
        {
            if (_disposed || _idle.Count > 0 || _starting > 0 || _live.Count >= size)
            {
                return;
            }
            _starting++;
        }
        _ = StartSpareAsync();
    }

    private async Task StartSpareAsync()
    {
        SandboxHost? host = null;
        try
        {
            host = await SandboxHost.StartAsync(launcher, logger, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // Nothing waits for a spare: the next run starts its own host and reports the problem.
            SandboxLog.HostNotStarted(logger, exception);
        }
        lock (_lock)
        {
            _starting--;
            if (host is not null && !_disposed)
            {
                _live.Add(host);
                // Behind the hosts that already served: those have modules in memory.
                _idle.AddLast((host, time.GetTimestamp()));
                return;
            }
        }
        host?.Dispose();
    }

    /// <summary>Ends every host: waiting ones at once, serving ones too (their runs then fail and dispose them).</summary>
    public void Dispose()
    {
        List<SandboxHost> idle;
        List<SandboxHost> serving;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            idle = [.. _idle.Select(waiting => waiting.Host)];
            serving = [.. _live.Except(idle)];
            _idle.Clear();
            _live.Clear();
            _surplusTimer?.Dispose();
        }
        foreach (var host in serving)
        {
            host.Kill();
        }
        foreach (var host in idle)
        {
            host.Dispose();
        }
    }
}
