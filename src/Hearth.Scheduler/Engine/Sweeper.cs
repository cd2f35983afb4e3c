using Hearth.Scheduler.Persistence;
using Hearth.Scheduler.State;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskStatus = Hearth.Scheduler.State.TaskStatus;

namespace Hearth.Scheduler.Engine;

/// <summary>Takes replicates back from silent workers and fails tasks whose deadline passed on chain.</summary>
public sealed class Sweeper(
    IDbContextFactory<SchedulerDb> dbs,
    SchedulerGate gate,
    SchedulerSignals signals,
    ChainClock chainClock,
    IOptions<SchedulerOptions> options,
    TimeProvider time,
    ILogger<Sweeper> logger)
{
    public const string DeadlineReason = "deadline passed; the requester can claim a refund";

    private const int MaxExpiredPerSweep = 1_000;

    // Touched only under the gate.
    private readonly HashSet<string> _closedDeals = new(StringComparer.Ordinal);

    public async Task SweepAsync(CancellationToken ct)
    {
        using var _ = await gate.EnterAsync(ct);
        await using var db = await dbs.CreateDbContextAsync(ct);
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var lost = await AbandonSilentAsync(db, nowMs, ct);
        var expired = await FailExpiredAsync(db, nowMs, ct);
        if (lost + expired == 0) return;
        await db.SaveChangesAsync(ct);
        if (lost > 0) signals.PlacementNeeded.Fire();
    }

    private async Task<int> AbandonSilentAsync(SchedulerDb db, long nowMs, CancellationToken ct)
    {
        var cutoff = nowMs - (long)options.Value.HeartbeatTimeout.TotalMilliseconds;
        var silent = await db.Workers.Where(w => w.LastHeartbeatMs < cutoff).ToDictionaryAsync(w => w.Address, ct);
        if (silent.Count == 0) return 0;
        var addresses = silent.Keys.ToList();
        var held = await db.Replicates.Where(r => addresses.Contains(r.Worker) && ReplicateStateMachine.ActiveStatuses.Contains(r.Status)).ToListAsync(ct);
        foreach (var replicate in held)
        {
            var seconds = (nowMs - silent[replicate.Worker].LastHeartbeatMs) / 1000;
            var why = $"worker {replicate.Worker} stopped heart-beating; replicate reassigned (last heard {seconds} s ago)";
            await ReplicateLoss.AbandonAsync(db, replicate, why, nowMs, ct);
            SchedulerLog.ReplicateAbandoned(logger, replicate.ReplicateId, replicate.Worker);
        }
        return held.Count;
    }

    private async Task<int> FailExpiredAsync(SchedulerDb db, long nowMs, CancellationToken ct)
    {
        if (chainClock.Timestamp is not { } chainNow) return 0;
        // Find the expired deals first, then only their open tasks: a deal's thousands of tasks are not read on every
        // round. Deals found with no open task left (their tasks were failed by an earlier sweep, or all ended) are not
        // looked at again by this process.
        var expiredDeals = (await db.Deals.Where(d => d.Deadline <= chainNow).Select(d => d.DealId).ToListAsync(ct))
            .Where(d => !_closedDeals.Contains(d)).ToList();
        if (expiredDeals.Count == 0) return 0;
        var open = new[] { TaskStatus.Pending, TaskStatus.Running, TaskStatus.Contributed, TaskStatus.ConsensusReached };
        var expired = await db.Tasks.Where(t => expiredDeals.Contains(t.DealId) && open.Contains(t.Status))
            .OrderBy(t => t.DealId).ThenBy(t => t.Index).Take(MaxExpiredPerSweep).ToListAsync(ct);
        if (expired.Count == 0) _closedDeals.UnionWith(expiredDeals);
        foreach (var task in expired)
        {
            TaskStateMachine.Move(db, task, TaskStatus.Failed, DeadlineReason, nowMs);
            var active = await db.Replicates.Where(r => r.TaskId == task.TaskId && ReplicateStateMachine.ActiveStatuses.Contains(r.Status)).ToListAsync(ct);
            foreach (var r in active) ReplicateStateMachine.Move(db, r, ReplicateStatus.Cancelled, "the task's deadline passed", nowMs);
        }
        if (expired.Count > 0) SchedulerLog.TasksExpired(logger, expired.Count);
        return expired.Count;
    }
}
