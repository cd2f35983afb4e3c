using Hearth.Scheduler.Persistence;
using Hearth.Scheduler.State;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskStatus = Hearth.Scheduler.State.TaskStatus;

namespace Hearth.Scheduler.Engine;

/// <summary>
/// Takes replicates back from silent workers and from replicates whose lease ran out, fails tasks whose deadline passed
/// on chain, removes workers no longer admitted (<see cref="WorkerAdmission"/>) and prunes workers long silent.
/// </summary>
public sealed partial class Sweeper(
    IDbContextFactory<SchedulerDb> dbs,
    SchedulerGate gate,
    SchedulerSignals signals,
    ChainClock chainClock,
    WorkerAdmission admission,
    IOptions<SchedulerOptions> options,
    TimeProvider time,
    ILogger<Sweeper> logger)
{
    public const string DeadlineReason = "deadline passed; the requester can claim a refund";

    private const int MaxExpiredPerSweep = 1_000;

    /// <summary>Leases, orphans and pruning are looked at once per this period, not on every sweep.</summary>
    private const long HousekeepingIntervalMs = 1_000;

    // Touched only under the gate.
    private readonly HashSet<string> _closedDeals = new(StringComparer.Ordinal);
    private long _nextHousekeepingMs;

    public async Task SweepAsync(CancellationToken ct)
    {
        // Stake reads happen outside the gate, and at most once a second.
        await admission.RecheckAsync(ct);
        using var _ = await gate.EnterAsync(ct);
        await using var db = await dbs.CreateDbContextAsync(ct);
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var lost = await AbandonSilentAsync(db, nowMs, ct);
        var pruned = 0;
        if (nowMs >= _nextHousekeepingMs)
        {
            _nextHousekeepingMs = nowMs + HousekeepingIntervalMs;
            lost += await TakeBackLapsedAsync(db, nowMs, ct);
            lost += await AbandonOrphansAsync(db, nowMs, ct);
            pruned = await PruneAsync(db, nowMs, ct);
        }
        var expired = await FailExpiredAsync(db, nowMs, ct);
        if (lost + expired + pruned == 0) return;
        await db.SaveChangesAsync(ct);
        if (lost > 0) signals.PlacementNeeded.Fire();
    }

    private async Task<int> AbandonSilentAsync(SchedulerDb db, long nowMs, CancellationToken ct)
    {
        var cutoff = nowMs - (long)options.Value.HeartbeatTimeout.TotalMilliseconds;
        // Only silent workers that hold something: long-gone rows cost nothing here.
        var held = await (from r in db.Replicates
                          join w in db.Workers on r.Worker equals w.Address
                          where ReplicateStateMachine.ActiveStatuses.Contains(r.Status) && w.LastHeartbeatMs < cutoff
                          select new { Replicate = r, w.LastHeartbeatMs }).ToListAsync(ct);
        foreach (var (replicate, lastHeard) in held.Select(h => (h.Replicate, h.LastHeartbeatMs)))
        {
            var seconds = (nowMs - lastHeard) / 1000;
            var why = $"worker {replicate.Worker} stopped heart-beating; replicate reassigned (last heard {seconds} s ago)";
            await ReplicateLoss.AbandonAsync(db, replicate, why, nowMs, ct);
            SchedulerLog.ReplicateAbandoned(logger, replicate.ReplicateId, replicate.Worker);
        }
        return held.Count;
    }

    /// <summary>The lease of a replicate of a deal whose category lasts <paramref name="categorySeconds"/>, milliseconds.</summary>
    public static long LeaseMs(SchedulerOptions o, long categorySeconds) =>
        Math.Max(o.ReplicateLeaseMinSeconds * 1_000L, (long)Math.Ceiling(o.ReplicateLeaseCategoryMultiple * 1_000 * Math.Max(1, categorySeconds)));

    /// <summary>
    /// Takes back every active replicate whose status has not moved for its lease (<see cref="LeaseMs"/>): heart-beating
    /// holds a worker's seat, not its replicates. Its worker is not given that task again when it had received it, and
    /// is on probation (one replicate at a time) for a lease.
    /// </summary>
    private async Task<int> TakeBackLapsedAsync(SchedulerDb db, long nowMs, CancellationToken ct)
    {
        var o = options.Value;
        var floorBefore = nowMs - o.ReplicateLeaseMinSeconds * 1_000L;
        var msPerCategorySecond = (long)Math.Ceiling(o.ReplicateLeaseCategoryMultiple * 1_000);
        var lapsed = await (from r in db.Replicates
                            join d in db.Deals on r.DealId equals d.DealId
                            where ReplicateStateMachine.ActiveStatuses.Contains(r.Status) && r.UpdatedAtMs < floorBefore
                                && r.UpdatedAtMs < nowMs - msPerCategorySecond * d.CategorySeconds
                            orderby r.UpdatedAtMs
                            select new { Replicate = r, d.CategorySeconds }).Take(MaxExpiredPerSweep).ToListAsync(ct);
        // A replicate taken back earlier in this sweep is still active in the database, not in its tracked instance.
        lapsed = lapsed.Where(l => ReplicateStateMachine.IsActive(l.Replicate.Status)).ToList();
        if (lapsed.Count == 0) return 0;
        var workers = lapsed.Select(l => l.Replicate.Worker).Distinct().ToList();
        var rows = await db.Workers.Where(w => workers.Contains(w.Address)).ToDictionaryAsync(w => w.Address, ct);
        foreach (var (replicate, categorySeconds) in lapsed.Select(l => (l.Replicate, l.CategorySeconds)))
        {
            var lease = LeaseMs(o, categorySeconds);
            var idle = (nowMs - replicate.UpdatedAtMs) / 1000;
            var why = replicate.Delivered
                ? $"lease ran out: worker {replicate.Worker} reported no progress for {idle} s (lease {lease / 1000} s: {o.ReplicateLeaseCategoryMultiple:0.##} × the category's {categorySeconds} s); replicate taken back and reassigned, not to this worker"
                : $"lease ran out: worker {replicate.Worker} did not take the assignment for {idle} s (lease {lease / 1000} s); replicate taken back and reassigned";
            replicate.LeaseExpired = replicate.Delivered;
            await ReplicateLoss.AbandonAsync(db, replicate, why, nowMs, ct);
            if (rows.TryGetValue(replicate.Worker, out var row)) row.ProbationUntilMs = Math.Max(row.ProbationUntilMs, nowMs + lease);
            LogLeaseRanOut(logger, replicate.ReplicateId, replicate.Worker, idle);
        }
        return lapsed.Count;
    }

    /// <summary>Active replicates whose worker has no row (removed by another process, or by hand): nobody will finish them.</summary>
    private async Task<int> AbandonOrphansAsync(SchedulerDb db, long nowMs, CancellationToken ct)
    {
        var orphans = await db.Replicates.Where(r => ReplicateStateMachine.ActiveStatuses.Contains(r.Status) && !db.Workers.Any(w => w.Address == r.Worker))
            .OrderBy(r => r.UpdatedAtMs).Take(MaxExpiredPerSweep).ToListAsync(ct);
        orphans = orphans.Where(r => ReplicateStateMachine.IsActive(r.Status)).ToList();
        foreach (var replicate in orphans)
            await ReplicateLoss.AbandonAsync(db, replicate, $"worker {replicate.Worker} is no longer a worker of this pool; replicate reassigned", nowMs, ct);
        return orphans.Count;
    }

    /// <summary>Deletes the rows of workers silent for <see cref="SchedulerOptions.PruneWorkersAfterHours"/>; they log in again to come back.</summary>
    private async Task<int> PruneAsync(SchedulerDb db, long nowMs, CancellationToken ct)
    {
        var hours = options.Value.PruneWorkersAfterHours;
        var before = nowMs - hours * 3_600_000L;
        var gone = await db.Workers.Where(w => w.LastHeartbeatMs < before).OrderBy(w => w.LastHeartbeatMs).Take(MaxExpiredPerSweep).ToListAsync(ct);
        foreach (var worker in gone)
            await WorkerAdmission.RemoveAsync(db, worker.Address, $"pruned: silent for more than {hours} h ({SchedulerOptions.SectionName}:{nameof(SchedulerOptions.PruneWorkersAfterHours)})", nowMs, ct);
        if (gone.Count > 0) LogPruned(logger, gone.Count);
        return gone.Count;
    }

    [LoggerMessage(EventId = 4353, Level = LogLevel.Warning, Message = "Replicate {ReplicateId} taken back: its lease ran out on worker {Worker} ({Seconds} s without progress)")]
    private static partial void LogLeaseRanOut(ILogger logger, string replicateId, string worker, long seconds);

    [LoggerMessage(EventId = 4352, Level = LogLevel.Information, Message = "{Count} worker(s) silent for long pruned")]
    private static partial void LogPruned(ILogger logger, int count);

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
