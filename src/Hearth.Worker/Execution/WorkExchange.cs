using System.Threading.Channels;
using Hearth.Protocol.WorkerApi;
using Hearth.Worker.Api;
using Hearth.Worker.State;
using Microsoft.Extensions.Logging;

namespace Hearth.Worker.Execution;

/// <summary>
/// Everything the worker hands in and takes, through the scheduler's exchange route. Slots take assignments from a
/// queue and post their reports here without waiting for the scheduler; reports that pile up while one exchange is on
/// its way go together in the next (a group commit), and each exchange asks for as much work as the queue lacks. A
/// second loop asks for work, waiting at the scheduler, only when slots are idle with nothing queued. A report stays in
/// the state file until the scheduler answered it for good (recorded, or refused with a 4xx other than 408/429), and is
/// retried with backoff until then or its task's deadline: a 503 (chain, storage or database out of reach) keeps it.
/// </summary>
public sealed class WorkExchange(
    SchedulerApiClient scheduler,
    WorkerStateStore state,
    WorkerOptions options,
    WorkerStatus status,
    TimeProvider time,
    ILogger<WorkExchange> logger)
{
    private readonly Channel<HeldReplicate> _queued = Channel.CreateUnbounded<HeldReplicate>();
    private readonly Lock _outboxGate = new();
    private readonly List<HeldReplicate> _outbox = [];
    private readonly SemaphoreSlim _reportPosted = new(0);
    private readonly SemaphoreSlim _slotIdle = new(0);
    private int _busySlots;
    private int _idleSlots;

    /// <summary>Running and queued replicates the worker takes on: two per slot, so a slot that ends one starts the next at once.</summary>
    private int Capacity => 2 * options.Slots;

    private int Wanted => Math.Clamp(Capacity - _queued.Reader.Count - Volatile.Read(ref _busySlots), 0, ExchangeLimits.MaxAssignments);

    /// <summary>Queues a replicate to run (one held before a restart).</summary>
    public void Enqueue(HeldReplicate held) => _queued.Writer.TryWrite(held);

    /// <summary>Waits for the next replicate to run; the caller's slot counts as busy until <see cref="Post"/> or <see cref="Release"/>.</summary>
    public async Task<HeldReplicate> TakeAsync(CancellationToken ct)
    {
        if (!_queued.Reader.TryRead(out var held))
        {
            Interlocked.Increment(ref _idleSlots);
            _slotIdle.Release();
            try
            {
                held = await _queued.Reader.ReadAsync(ct);
            }
            finally
            {
                Interlocked.Decrement(ref _idleSlots);
            }
        }
        Interlocked.Increment(ref _busySlots);
        return held;
    }

    /// <summary>The slot is free again without a report (the replicate was cancelled).</summary>
    public void Release() => Interlocked.Decrement(ref _busySlots);

    /// <summary>A replicate ended: its report is saved in the state file, then sent with the next exchange.</summary>
    public void Post(HeldReplicate ended)
    {
        if (!ended.Ended) throw new ArgumentException("only an ended replicate has a report to post", nameof(ended));
        state.Put(ended);
        Interlocked.Decrement(ref _busySlots);
        Resend(ended);
    }

    /// <summary>Sends a report already in the state file (one left undelivered before a restart).</summary>
    public void Resend(HeldReplicate ended)
    {
        lock (_outboxGate)
            _outbox.Add(ended);
        _reportPosted.Release();
    }

    public Task RunAsync(CancellationToken ct) => Task.WhenAll(SendReportsAsync(ct), FetchWhenIdleAsync(ct));

    private async Task SendReportsAsync(CancellationToken ct)
    {
        var backoff = new Backoff(options.RetryInitialDelay, options.RetryMaxDelay, time);
        try
        {
            while (true)
            {
                List<HeldReplicate> batch;
                lock (_outboxGate)
                {
                    batch = _outbox.Take(ExchangeLimits.MaxReports).ToList();
                    _outbox.RemoveRange(0, batch.Count);
                }
                if (batch.Count == 0)
                {
                    // Each post counts once, so a wake-up may find its report already sent with an earlier batch.
                    await _reportPosted.WaitAsync(ct);
                    continue;
                }
                if (await SendAsync(batch, ct) is not { } retry)
                {
                    backoff.Reset();
                    continue;
                }
                // The reports not delivered, or answered "not now", are back in the outbox: the same signed reports go again.
                WorkerLog.ReportsRetrying(logger, retry.Count, backoff.Next, retry.Why);
                await backoff.WaitAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping: undelivered reports stay in the state file and go after the restart.
        }
    }

    /// <summary>
    /// Sends one batch. The reports that must go again (the scheduler could not be reached, or answered 503/429/5xx for
    /// the request or for them: something it needs was out of reach) are put back in the outbox, and how many and why is
    /// returned; null when every report was answered for good (recorded, or refused with a 4xx).
    /// </summary>
    private async Task<(int Count, string Why)?> SendAsync(List<HeldReplicate> batch, CancellationToken ct)
    {
        var contributions = batch.Where(h => h.Contribution is not null).Select(h => new ReplicateContribution(h.ReplicateId, h.Contribution!)).ToList();
        var failures = batch.Where(h => h.Contribution is null).Select(h => new ReplicateFailure(h.ReplicateId, h.Failure!)).ToList();
        ExchangeResponse response;
        try
        {
            response = await scheduler.ExchangeAsync(new ExchangeRequest(contributions, failures, Wanted), waitSeconds: 0, ct);
        }
        catch (SchedulerRequestException e) when (e.StatusCode == System.Net.HttpStatusCode.RequestEntityTooLarge && batch.Count > 1)
        {
            // A scheduler that takes smaller bodies than this batch: each half goes on its own.
            var half = batch.Count / 2;
            if (await SendAsync(batch[..half], ct) is { } first)
            {
                Requeue(batch[half..]);
                return (batch.Count - half + first.Count, first.Why);
            }
            return await SendAsync(batch[half..], ct);
        }
        catch (SchedulerRequestException e) when (e.IsClientError && !IsTransient((int)e.StatusCode))
        {
            // The whole request was refused: sending it again will not help.
            foreach (var held in batch)
                WorkerLog.ReportRefused(logger, What(held), held.ReplicateId, e.Message);
            Forget(batch, contributed: _ => false);
            return null;
        }
        catch (SchedulerException e)
        {
            // Unreachable, 5xx (a 503: the chain, the storage or the database out of reach for a while) or 429: nothing
            // of the request was recorded.
            status.SchedulerFailed(e.Message);
            Requeue(batch);
            return (batch.Count, e.Message);
        }

        var byId = batch.ToDictionary(h => h.ReplicateId, StringComparer.Ordinal);
        var later = response.Outcomes.Where(o => !o.Recorded && IsTransient(o.Status) && byId.ContainsKey(o.ReplicateId ?? "")).ToList();
        var kept = later.Select(o => byId[o.ReplicateId!]).ToList();
        foreach (var outcome in response.Outcomes.Where(o => !o.Recorded).Except(later))
            WorkerLog.ReportRefused(logger, byId.TryGetValue(outcome.ReplicateId ?? "", out var h) ? What(h) : "report", outcome.ReplicateId ?? "(none)", outcome.Error ?? $"status {outcome.Status}");
        var recorded = response.Outcomes.Where(o => o.Recorded).Select(o => o.ReplicateId).ToHashSet(StringComparer.Ordinal);
        foreach (var held in batch.Where(h => h.Contribution is not null && recorded.Contains(h.ReplicateId)))
            WorkerLog.Contributed(logger, held.ReplicateId, held.Assignment.TaskId, held.Contribution!.Digest);
        Forget(batch.Except(kept).ToList(), contributed: h => h.Contribution is not null && recorded.Contains(h.ReplicateId));
        Accept(response.Assignments);
        if (kept.Count == 0) return null;
        Requeue(kept);
        return (kept.Count, later[0].Error ?? $"status {later[0].Status}");
    }

    /// <summary>Statuses that say "not now" rather than "no": the same report may be accepted later.</summary>
    private static bool IsTransient(int status) => status is 408 or 429 or >= 500;

    /// <summary>Reports whose task's deadline is past are dropped (nobody wants them any more); the rest wait for the next attempt.</summary>
    private void Requeue(List<HeldReplicate> batch)
    {
        var now = time.GetUtcNow();
        var late = batch.Where(h => h.Assignment.Deadline <= now).ToList();
        foreach (var held in late)
            WorkerLog.ReportAbandoned(logger, What(held), held.ReplicateId, "the scheduler could not be reached before the task's deadline");
        Forget(late, contributed: _ => false);
        var retry = batch.Except(late).ToList();
        if (retry.Count == 0) return;
        lock (_outboxGate)
            _outbox.InsertRange(0, retry);
    }

    private void Forget(List<HeldReplicate> ended, Func<HeldReplicate, bool> contributed)
    {
        state.RemoveMany(ended.Select(h => h.ReplicateId));
        foreach (var held in ended)
            status.Ended(contributed(held));
    }

    /// <summary>Asks for work, waiting at the scheduler, whenever a slot is idle and nothing is queued for it.</summary>
    private async Task FetchWhenIdleAsync(CancellationToken ct)
    {
        var backoff = new Backoff(options.RetryInitialDelay, options.RetryMaxDelay, time);
        try
        {
            while (true)
            {
                await _slotIdle.WaitAsync(ct);
                while (Volatile.Read(ref _idleSlots) > 0 && _queued.Reader.Count == 0 && Wanted > 0)
                {
                    var asked = time.GetTimestamp();
                    try
                    {
                        var response = await scheduler.ExchangeAsync(new ExchangeRequest(null, null, Wanted), options.AssignmentWaitSeconds, ct);
                        backoff.Reset();
                        Accept(response.Assignments);
                        // A scheduler that answers "nothing" at once must not turn this loop into a busy one.
                        if (response.Assignments.Count == 0 && time.GetElapsedTime(asked) < TimeSpan.FromMilliseconds(100))
                            await Task.Delay(options.RetryInitialDelay, time, ct);
                    }
                    catch (SchedulerException e)
                    {
                        status.SchedulerFailed(e.Message);
                        WorkerLog.WorkRequestFailed(logger, backoff.Next, e.Message);
                        await backoff.WaitAsync(ct);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>Holds the new assignments in the state file (one write), then queues them.</summary>
    private void Accept(IReadOnlyList<Assignment> assignments)
    {
        var fresh = new List<HeldReplicate>(assignments.Count);
        foreach (var assignment in assignments)
        {
            if (string.IsNullOrWhiteSpace(assignment?.ReplicateId) || state.Contains(assignment.ReplicateId) || fresh.Any(h => h.ReplicateId == assignment.ReplicateId))
            {
                WorkerLog.AssignmentIgnored(logger, assignment?.ReplicateId ?? "(none)");
                continue;
            }
            fresh.Add(new HeldReplicate(assignment, time.GetUtcNow()));
        }
        state.PutMany(fresh);
        foreach (var held in fresh)
            _queued.Writer.TryWrite(held);
    }

    private static string What(HeldReplicate held) => held.Contribution is not null ? "contribution" : "failure report";
}
