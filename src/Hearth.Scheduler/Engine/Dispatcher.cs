using Hearth.Heat;
using Hearth.Scheduler.Persistence;
using Hearth.Scheduler.Placement;
using Hearth.Scheduler.Replication;
using Hearth.Scheduler.State;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskStatus = Hearth.Scheduler.State.TaskStatus;

namespace Hearth.Scheduler.Engine;

/// <summary>
/// One placement round: for each task that wants work, asks the replication plan how many replicates to add and the
/// placement policy which live worker gets each; creates the replicates (with their worker) and says why a task waits.
/// </summary>
public sealed class Dispatcher(
    IDbContextFactory<SchedulerDb> dbs,
    SchedulerGate gate,
    SchedulerSignals signals,
    WorkerScores scores,
    ChainClock chainClock,
    IPlacementPolicy policy,
    IOptions<SchedulerOptions> options,
    TimeProvider time,
    ILogger<Dispatcher> logger)
{
    /// <summary>Tasks looked at per round: the oldest deals first, so a huge deal cannot starve the next ones for long.</summary>
    private const int TasksPerRound = 256;

    public async Task<int> DispatchAsync(CancellationToken ct)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        var liveSince = nowMs - (long)o.HeartbeatTimeout.TotalMilliseconds;

        // Chain reads first, outside the gate.
        List<string> liveAddresses;
        await using (var peek = await dbs.CreateDbContextAsync(ct))
            liveAddresses = await peek.Workers.Where(w => w.LastHeartbeatMs >= liveSince).Select(w => w.Address).ToListAsync(ct);
        var standings = await scores.GetManyAsync(liveAddresses, ct);

        using var _ = await gate.EnterAsync(ct);
        await using var db = await dbs.CreateDbContextAsync(ct);
        var live = await db.Workers.Where(w => w.LastHeartbeatMs >= liveSince && w.Slots > 0).ToListAsync(ct);
        var busy = await db.Replicates.Where(r => ReplicateStateMachine.ActiveStatuses.Contains(r.Status))
            .GroupBy(r => r.Worker).Select(g => new { Worker = g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Worker, g => g.Count, ct);

        // With every slot taken there is nothing to place; the waiting tasks' reasons were recorded when the slots filled,
        // and contributions advance their own tasks. Skipping the scan keeps busy pools from re-reading their backlog on every event.
        var capacity = (WorkerEntity w) => PlacementPolicies.Capacity(w, o.AssignmentsAheadPerSlot, nowMs);
        var freeSlots = live.Sum(w => Math.Max(0, capacity(w) - busy.GetValueOrDefault(w.Address)));
        if (freeSlots == 0 && live.Count > 0) return 0;

        var rows = await WindowAsync(db, freeSlots, chainClock.Timestamp, ct);
        if (rows.Count == 0) return 0;
        var taskIds = rows.Select(r => r.Task.TaskId).ToList();
        var replicates = (await db.Replicates.Where(r => taskIds.Contains(r.TaskId)).ToListAsync(ct)).ToLookup(r => r.TaskId);

        // Contributors may not be live any more; their weights still count.
        var contributors = replicates.SelectMany(g => g).Where(r => r.Digest is not null).Select(r => r.Worker).Where(w => !standings.ContainsKey(w)).ToList();
        var allStandings = new Dictionary<string, WorkerStanding>(standings, StringComparer.OrdinalIgnoreCase);
        foreach (var (w, s) in await scores.GetManyAsync(contributors, ct)) allStandings[w] = s;
        var plannedWeight = live.Count == 0 ? 2 : live.Min(w => TaskProgress.Weight(allStandings, w.Address));

        var created = 0;
        foreach (var row in rows)
        {
            var (task, deal) = row;
            if (chainClock.Timestamp is { } chainNow && chainNow >= deal.Deadline) continue; // the sweeper fails it
            var reps = replicates[task.TaskId].ToList();
            var before = task.Status;
            var plan = TaskProgress.Advance(db, task, deal, reps, allStandings, plannedWeight, nowMs, o.MaxReplicatesPerTask);
            if (!TaskStateMachine.WantsWork(task.Status))
            {
                if (task.Status == TaskStatus.Failed && before != TaskStatus.Failed && reps.Count >= o.MaxReplicatesPerTask)
                    SchedulerLog.ReplicatesExhausted(logger, task.TaskId, reps.Count);
                continue;
            }

            // Lost replicates do not use up the task's workers (ReplicateBudget), but every replicate counts against the
            // pool's bound on replicates per task.
            var waiting = (string?)null;
            var wanted = Math.Min(plan.MoreReplicates, Math.Max(0, o.MaxReplicatesPerTask - reps.Count));
            for (var i = 0; i < wanted; i++)
            {
                // A worker that let its lease of the task run out is not given it again.
                var barred = reps.Where(r => ReplicateBudget.BarsWorker(r) || r.LeaseExpired).Select(r => r.Worker).ToHashSet(StringComparer.OrdinalIgnoreCase);
                var lostSince = nowMs - o.ReplicateRetryDelayMs;
                var resting = reps.Where(r => r.UpdatedAtMs > lostSince && ReplicateBudget.LostToInfrastructure(r) && !r.LeaseExpired).Select(r => r.Worker).ToHashSet(StringComparer.OrdinalIgnoreCase);
                var eligible = live.Where(w => !barred.Contains(w.Address) && !resting.Contains(w.Address)).ToList();
                var staked = eligible.Where(w => standings.TryGetValue(w.Address, out var s) && s.Backs(deal.WorkerStakeAmount)).ToList();
                if (staked.Count == 0)
                {
                    waiting = live.Count == 0 ? "waiting for a worker: none is connected"
                        : eligible.Count == 0 && live.Any(w => resting.Contains(w.Address) && !barred.Contains(w.Address))
                            ? $"waiting to place it again on a worker whose replicate of it was lost to the infrastructure ({SchedulerOptions.SectionName}:{nameof(SchedulerOptions.ReplicateRetryDelayMs)} {o.ReplicateRetryDelayMs} ms after the loss)"
                        : eligible.Count == 0 ? "waiting for another worker: every connected worker already contributed to it, runs it, failed it for a reason of the task's own, or let its lease of it run out"
                        : $"waiting for a worker with enough stake ({deal.WorkerStake} needed)";
                    break;
                }
                var candidates = staked.Select(w => PlacementPolicies.ToCandidate(w, busy.GetValueOrDefault(w.Address), o.AssignmentsAheadPerSlot, nowMs)).ToList();
                var placementTask = new PlacementTask(task.TaskId, Math.Max(1, deal.CategorySeconds), deal.DeadlineTime, o.TaskPowerWatts);
                var decision = policy.Place(placementTask, candidates, now);
                if (decision.Outcome != PlacementOutcome.Placed || decision.Worker is null)
                {
                    waiting = candidates.All(c => c.FreeSlots == 0) ? "waiting for a worker with a free slot" : $"waiting: {decision.Reason}";
                    break;
                }
                var replicate = new ReplicateEntity
                {
                    ReplicateId = "r-" + Guid.NewGuid().ToString("N"),
                    TaskId = task.TaskId,
                    DealId = task.DealId,
                    TaskIndex = task.Index,
                    Worker = decision.Worker.Id,
                };
                ReplicateStateMachine.Created(db, replicate, $"placed on worker {replicate.Worker} by {policy.Name} placement ({decision.Reason})", nowMs);
                db.Replicates.Add(replicate);
                reps.Add(replicate);
                busy[replicate.Worker] = busy.GetValueOrDefault(replicate.Worker) + 1;
                created++;
                SchedulerLog.ReplicateAssigned(logger, replicate.ReplicateId, task.TaskId, replicate.Worker);
            }

            var running = reps.Count(r => ReplicateStateMachine.IsActive(r.Status));
            var reason = waiting is null ? $"{plan.Reason}; {running} replicate(s) running" : $"{plan.Reason}; {waiting}";
            if (task.Status == TaskStatus.Pending && running > 0) TaskStateMachine.Move(db, task, TaskStatus.Running, reason, nowMs);
            else TaskStateMachine.Explain(db, task, reason, nowMs);
        }

        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e)
        {
            // Another scheduler process on the same database changed these rows, or a worker got the task meanwhile:
            // nothing is written, the next round decides again from fresh rows.
            SchedulerLog.PlacementConflict(logger, e);
            return 0;
        }
        if (created > 0) signals.Assigned.Fire();
        return created;
    }

    /// <summary>
    /// The tasks this round looks at, oldest deals first: every task that already has work and may need more (at most
    /// one per active replicate, plus those waiting on a verdict), then each deal's first pending tasks, twice the free slots in all.
    /// Each read goes through an index: a deal of thousands of tasks costs a round no more than a small one.
    /// </summary>
    private static async Task<List<(TaskEntity Task, DealEntity Deal)>> WindowAsync(SchedulerDb db, int freeSlots, long? chainNow, CancellationToken ct)
    {
        // Past its deadline a deal gets no more work (the sweeper fails its tasks), so old deals drop out of the round.
        var open = db.Deals.Where(d => d.Status == DealStatus.Active);
        if (chainNow is { } now) open = open.Where(d => d.Deadline > now);
        var deals = await open.OrderBy(d => d.CreatedBlock).ThenBy(d => d.DealId).ToListAsync(ct);
        if (deals.Count == 0) return [];
        var order = deals.Select((d, i) => (d.DealId, i)).ToDictionary(x => x.DealId, x => x.i, StringComparer.Ordinal);
        var byId = deals.ToDictionary(d => d.DealId, StringComparer.Ordinal);

        // At trust 1 a running task with a live replicate needs nothing more (its one contribution settles it): leaving
        // those out keeps a round's cost from growing with the work in flight.
        var trustOne = deals.Where(d => d.Trust <= 1).Select(d => d.DealId).ToList();
        var active = ReplicateStateMachine.ActiveStatuses;
        var started = await db.Tasks.Where(t => t.Status == TaskStatus.Contributed
                || (t.Status == TaskStatus.Running
                    && !(trustOne.Contains(t.DealId) && db.Replicates.Any(r => r.TaskId == t.TaskId && active.Contains(r.Status)))))
            .ToListAsync(ct);
        var window = started.Where(t => order.ContainsKey(t.DealId))
            .OrderBy(t => order[t.DealId]).ThenBy(t => t.Index).Take(TasksPerRound).ToList();

        var pendingWanted = Math.Min(TasksPerRound - window.Count, 2 * Math.Max(freeSlots, 1) + 8);
        foreach (var deal in deals)
        {
            if (pendingWanted <= 0) break;
            var pending = await db.Tasks.Where(t => t.DealId == deal.DealId && t.Status == TaskStatus.Pending)
                .OrderBy(t => t.Index).Take(pendingWanted).ToListAsync(ct);
            window.AddRange(pending);
            pendingWanted -= pending.Count;
        }
        return [.. window.OrderBy(t => order[t.DealId]).ThenBy(t => t.Index).Select(t => (t, byId[t.DealId]))];
    }
}
