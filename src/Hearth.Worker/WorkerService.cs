using System.Collections.Concurrent;
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
/// The worker daemon: resumes what it held before a restart, then runs a heartbeat loop, the <see cref="WorkExchange"/>
/// and one loop per slot until stopped. The scheduler being down is logged and retried, never fatal.
/// </summary>
public sealed class WorkerService(
    IOptions<WorkerOptions> options,
    SchedulerApiClient scheduler,
    ReplicateExecutor executor,
    WorkExchange exchange,
    WorkerStateStore state,
    IWorkerTelemetry telemetry,
    WorkerStatus status,
    TimeProvider time,
    ILogger<WorkerService> logger) : BackgroundService
{
    private readonly WorkerOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, RunningReplicate> _running = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Directory.CreateDirectory(_options.WorkFolder);
        Directory.CreateDirectory(_options.CacheFolder);
        WorkerLog.Starting(logger, status.Worker, scheduler.BaseUrl, _options.Slots);

        foreach (var held in state.Load())
        {
            var resume = held.Ended || (_options.ResumeAfterRestart && held.Assignment.Deadline > time.GetUtcNow());
            WorkerLog.Restored(logger, held.ReplicateId, resume);
            if (held.Ended)
                exchange.Resend(held);
            else if (resume)
                exchange.Enqueue(held);
            else
                exchange.Resend(executor.Failed(held, FailureKinds.Restarted, "worker restarted; the replicate is given back without being run again"));
        }

        var loops = new List<Task> { HeartbeatLoopAsync(stoppingToken), exchange.RunAsync(stoppingToken) };
        loops.AddRange(Enumerable.Range(0, _options.Slots).Select(_ => SlotLoopAsync(stoppingToken)));
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

    private async Task SlotLoopAsync(CancellationToken ct)
    {
        try
        {
            while (true)
            {
                var held = await exchange.TakeAsync(ct);
                // The scheduler may have cancelled it while it waited in the queue.
                if (!state.Contains(held.ReplicateId) || !_running.TryAdd(held.ReplicateId, new RunningReplicate(CancellationTokenSource.CreateLinkedTokenSource(ct))))
                {
                    exchange.Release();
                    continue;
                }
                await RunAsync(held, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping: what runs stays in the state file and is resumed after the restart.
        }
    }

    /// <summary>Runs one replicate to its end and posts its report; a replicate the scheduler cancelled is dropped.</summary>
    private async Task RunAsync(HeldReplicate held, CancellationToken ct)
    {
        var running = _running[held.ReplicateId];
        try
        {
            exchange.Post(await executor.ExecuteAsync(held, running.Cancel.Token));
        }
        catch (OperationCanceledException) when (running.CancelledByScheduler && !ct.IsCancellationRequested)
        {
            state.Remove(held.ReplicateId);
            exchange.Release();
            WorkerLog.CancelledByScheduler(logger, held.ReplicateId);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug or a local fault (disk full): give the replicate back rather than hold it forever.
            WorkerLog.ReplicateCrashed(logger, held.ReplicateId, e);
            exchange.Post(executor.Failed(held, FailureKinds.Internal, $"worker error: {e.Message}"));
        }
        finally
        {
            _running.TryRemove(held.ReplicateId, out _);
            running.Cancel.Dispose();
        }
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

    private sealed class RunningReplicate(CancellationTokenSource cancel)
    {
        public CancellationTokenSource Cancel { get; } = cancel;

        public volatile bool CancelledByScheduler;
    }
}
