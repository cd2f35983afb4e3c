using System.Numerics;
using Hearth.Protocol;
using Hearth.Scheduler.Engine;
using Hearth.Scheduler.Persistence;
using Hearth.Scheduler.Replication;

namespace Hearth.Scheduler.Settlement;

/// <summary>A task that goes into the batch, with the contributions sent for it (agreeing and disagreeing).</summary>
internal sealed record BackedTask(TaskEntity Task, IReadOnlyList<ReplicateEntity> Contributions);

/// <summary>What a batch holds, and what it leaves out.</summary>
/// <param name="Deferred">Tasks whose contributions would ask a worker for more stake than it has in this batch: they
/// settle in a later one (a worker contributes once per task, so a task alone always fits a worker that backs one).</param>
/// <param name="Rejudged">Tasks whose consensus does not stand without their unbacked contributions: judged again.</param>
internal sealed record BatchSelection(IReadOnlyList<BackedTask> Included, IReadOnlyList<TaskEntity> Deferred, IReadOnlyList<TaskEntity> Rejudged);

/// <summary>
/// Keeps a settlement within what the workers' stakes back. On chain every contribution of the batch, agreeing or not,
/// puts the deal's worker stake behind it, and a worker's contributions in one transaction are backed together:
/// count × workerStake must not exceed staked + unbonding, or the whole batch reverts (InsufficientStake). A slashed
/// dissent frees its backing as it takes the stake, so the count over the whole batch is what matters.
/// </summary>
internal static class BatchBacking
{
    /// <param name="tasks">The candidate tasks in index order, each with its judged replicates.</param>
    public static BatchSelection Select(IEnumerable<(TaskEntity Task, IReadOnlyList<ReplicateEntity> Judged)> tasks, DealEntity deal,
        IReadOnlyDictionary<string, WorkerStanding> standings)
    {
        var workerStake = deal.WorkerStakeAmount;
        var used = new Dictionary<string, BigInteger>(StringComparer.OrdinalIgnoreCase);
        List<BackedTask> included = [];
        List<TaskEntity> deferred = [];
        List<TaskEntity> rejudged = [];
        foreach (var (task, judged) in tasks)
        {
            var contributed = TaskProgress.Contributed(judged).ToList();
            var backed = TaskProgress.Counted(contributed, standings, workerStake).ToList();
            // Without the unbacked contributions the same result must still win, or the task is judged again.
            if (backed.Count < contributed.Count && !StillAgreed(task, deal, backed, standings))
            {
                rejudged.Add(task);
                continue;
            }
            if (backed.Any(r => used.GetValueOrDefault(r.Worker) + 1 > Backable(standings, r.Worker, workerStake)))
            {
                deferred.Add(task);
                continue;
            }
            foreach (var r in backed) used[r.Worker] = used.GetValueOrDefault(r.Worker) + 1;
            included.Add(new BackedTask(task, backed));
        }
        return new BatchSelection(included, deferred, rejudged);
    }

    private static BigInteger Backable(IReadOnlyDictionary<string, WorkerStanding> standings, string worker, BigInteger workerStake) =>
        standings.TryGetValue(worker, out var s) ? s.Backable(workerStake) : long.MaxValue;

    private static bool StillAgreed(TaskEntity task, DealEntity deal, IReadOnlyList<ReplicateEntity> backed, IReadOnlyDictionary<string, WorkerStanding> standings)
    {
        if (backed.Count == 0 || task.ConsensusDigest is null) return false;
        var contributions = backed.Select(r => (Hash32.Parse(r.Digest!), TaskProgress.Weight(standings, r.Worker))).ToList();
        var plan = ReplicationPlanner.Plan((uint)deal.Trust, contributions, 0, backed.Count, 2);
        return plan.Consensus is { } digest && digest == Hash32.Parse(task.ConsensusDigest);
    }
}
