using System.Collections.Concurrent;
using System.Threading.Channels;
using Hearth.Protocol.WorkerApi;
using Hearth.Worker.Api;
using Hearth.Worker.Execution;
using Hearth.Worker.State;
using Hearth.Worker.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hearth.Worker;

/// <summary>
/// The worker daemon: resumes what it held before a restart, then runs one heartbeat loop and one assignment loop per
/// slot until stopped. The scheduler being down is logged and retried, never fatal.
/// </summary>
public sealed class WorkerService(
    IOptions<WorkerOptions> options,
    SchedulerApiClient scheduler,
    ReplicateExecutor executor,
    WorkerStateStore state,
    IWorkerTelemetry telemetry,
    WorkerStatus status,
    TimeProvider time,
    ILogger<WorkerService> logger) : BackgroundService
{
    private readonly WorkerOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, RunningReplicate> _running = new(StringComparer.Ordinal);
    private readonly Channel<HeldReplicate> _resumed = Channel.CreateUnbounded<HeldReplicate>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Directory.CreateDirectory(_options.WorkFolder);
        Directory.CreateDirectory(_options.CacheFolder);
        WorkerLog.Starting(logger, status.Worker, scheduler.BaseUrl, _options.Slots);

        var handBack = new List<HeldReplicate>();
        foreach (var held in state.Load())
        {
            var resume = held.Contribution is not null || (_options.ResumeAfterRestart && held.Assignment.Deadline > time.GetUtcNow());
            WorkerLog.Restored(logger, held.ReplicateId, resume);
            if (resume)
                _resumed.Writer.TryWrite(held);
            else
                handBack.Add(held);
        }
        _resumed.Writer.Complete();

        var loops = new List<Task> { HeartbeatLoopAsync(stoppingToken), HandBackAsync(handBack, stoppingToken) };
        loops.AddRange(Enumerable.Range(0, _options.Slots).Select(slot => SlotLoopAsync(slot, stoppingToken)));
        await Task.WhenAll(loops);
    }

    private async Task HeartbeatLoopAsync(CancellationToken ct)
    {
        var backoff = new Backoff(_options.RetryInitialDelay, _options.RetryMaxDelay, time);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var interval = _options.HeartbeatInterval;
                try
                {
                    var request = new HeartbeatRequest(_options.Slots, Math.Max(0, _options.Slots - _running.Count), state.HeldIds(), await ReadTelemetryAsync(ct));
                    var response = await scheduler.HeartbeatAsync(request, ct);
                    status.HeartbeatSent();
                    backoff.Reset();
                    foreach (var cancelled in response.CancelledReplicates ?? [])
                        Cancel(cancelled);
                    if (response.NextHeartbeatSeconds > 0)
                        interval = TimeSpan.FromSeconds(Math.Min(response.NextHeartbeatSeconds, 3600));
                }
                catch (SchedulerException e)
                {
                    status.SchedulerFailed(e.Message);
                    WorkerLog.HeartbeatFailed(logger, backoff.Next, e.Message);
                    await backoff.WaitAsync(ct);
                    continue;
                }
                await Task.Delay(interval, time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task<WorkerTelemetry?> ReadTelemetryAsync(CancellationToken ct)
    {
        try
        {
            return await telemetry.ReadAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A broken sensor must not stop the heartbeat that keeps the worker's replicates alive.
            WorkerLog.TelemetryFailed(logger, e);
            return null;
        }
    }

    private async Task SlotLoopAsync(int slot, CancellationToken ct)
    {
        var backoff = new Backoff(_options.RetryInitialDelay, _options.RetryMaxDelay, time);
        // The assignment the scheduler handed back with the last contribution, if any (already in the state file).
        HeldReplicate? handedBack = null;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                if (handedBack is { } next)
                {
                    handedBack = await RunAsync(next, ct);
                    continue;
                }
                if (_resumed.Reader.TryRead(out var resumed))
                {
                    // The scheduler may have cancelled it while it waited for a slot.
                    if (state.Contains(resumed.ReplicateId))
                        handedBack = await RunAsync(resumed, ct);
                    continue;
                }

                Assignment? assignment;
                var asked = time.GetTimestamp();
                try
                {
                    assignment = await scheduler.NextAssignmentAsync(_options.AssignmentWaitSeconds, ct);
                    backoff.Reset();
                }
                catch (SchedulerException e)
                {
                    status.SchedulerFailed(e.Message);
                    WorkerLog.AssignmentRequestFailed(logger, slot, backoff.Next, e.Message);
                    await backoff.WaitAsync(ct);
                    continue;
                }

                if (assignment is null)
                {
                    // A scheduler that answers "nothing" at once must not turn this loop into a busy one.
                    if (time.GetElapsedTime(asked) < TimeSpan.FromMilliseconds(100))
                        await Task.Delay(_options.RetryInitialDelay, time, ct);
                    continue;
                }
                if (string.IsNullOrWhiteSpace(assignment.ReplicateId) || _running.ContainsKey(assignment.ReplicateId))
                {
                    WorkerLog.AssignmentIgnored(logger, assignment.ReplicateId ?? "(none)");
                    continue;
                }
                var held = new HeldReplicate(assignment, time.GetUtcNow());
                state.Put(held);
                handedBack = await RunAsync(held, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping: what runs stays in the state file and is resumed after the restart.
        }
    }

    /// <summary>
    /// Runs one replicate to its end; returns the next replicate the scheduler handed back with the contribution's
    /// answer, already held in the state file (a restart resumes it like any other).
    /// </summary>
    private async Task<HeldReplicate?> RunAsync(HeldReplicate held, CancellationToken ct)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var running = new RunningReplicate(cancel);
        if (!_running.TryAdd(held.ReplicateId, running))
            return null;
        try
        {
            var outcome = await executor.ExecuteAsync(held, takeNext: !ct.IsCancellationRequested, cancel.Token);
            status.Ended(outcome.Contributed);
            if (outcome.Next is not { } next) return null;
            if (string.IsNullOrWhiteSpace(next.ReplicateId) || _running.ContainsKey(next.ReplicateId))
            {
                WorkerLog.AssignmentIgnored(logger, next.ReplicateId ?? "(none)");
                return null;
            }
            var nextHeld = new HeldReplicate(next, time.GetUtcNow());
            state.Put(nextHeld);
            return nextHeld;
        }
        catch (OperationCanceledException) when (running.CancelledByScheduler && !ct.IsCancellationRequested)
        {
            state.Remove(held.ReplicateId);
            WorkerLog.CancelledByScheduler(logger, held.ReplicateId);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug or a local fault (disk full): give the replicate back rather than hold it forever.
            WorkerLog.ReplicateCrashed(logger, held.ReplicateId, e);
            status.Ended(contributed: false);
            await executor.GiveBackAsync(held.Assignment, FailureKinds.Internal, $"worker error: {e.Message}", ct);
        }
        finally
        {
            _running.TryRemove(held.ReplicateId, out _);
        }
        return null;
    }

    private void Cancel(string replicateId)
    {
        if (_running.TryGetValue(replicateId, out var running))
        {
            running.CancelledByScheduler = true;
            running.Cancel.Cancel();
        }
        else if (state.Remove(replicateId))
        {
            WorkerLog.CancelledByScheduler(logger, replicateId);
        }
    }

    private async Task HandBackAsync(IReadOnlyList<HeldReplicate> replicates, CancellationToken ct)
    {
        try
        {
            foreach (var held in replicates)
            {
                await executor.GiveBackAsync(held.Assignment, FailureKinds.Restarted,
                    "worker restarted; the replicate is given back without being run again", ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping: the replicates stay in the state file and are handed back after the next start.
        }
    }

    private sealed class RunningReplicate(CancellationTokenSource cancel)
    {
        public CancellationTokenSource Cancel { get; } = cancel;

        public volatile bool CancelledByScheduler;
    }
}
