using System.Numerics;
using Hearth.Protocol;
using Hearth.Scheduler.Persistence;
using Hearth.Scheduler.Replication;
using Hearth.Scheduler.State;
using TaskStatus = Hearth.Scheduler.State.TaskStatus;

namespace Hearth.Scheduler.Engine;

/// <summary>Applies the replication plan to a task and its replicates: consensus, exhaustion, or what is still missing.</summary>
internal static class TaskProgress
{
    /// <summary>The contributions that count, in the order they came, with each worker's weight.</summary>
    public static List<(Hash32 Digest, int Weight)> Contributions(IEnumerable<ReplicateEntity> replicates, IReadOnlyDictionary<string, WorkerStanding> standings, BigInteger workerStake) =>
        Counted(replicates, standings, workerStake).Select(r => (Hash32.Parse(r.Digest!), Weight(standings, r.Worker))).ToList();

    public static IEnumerable<ReplicateEntity> Contributed(IEnumerable<ReplicateEntity> replicates) =>
        replicates.Where(r => ReplicateStateMachine.HasContribution(r.Status)).OrderBy(r => r.ContributedAtMs).ThenBy(r => r.ReplicateId, StringComparer.Ordinal);

    /// <summary>
    /// The contributions the chain would take: those of workers whose stake backs the deal's worker stake. The contract
    /// refuses a whole settlement for one unbacked contribution (a dissent nobody stands behind is free to make), so an
    /// unbacked one counts as absent. A worker whose standing was not read is counted; the settler reads them all.
    /// </summary>
    public static IEnumerable<ReplicateEntity> Counted(IEnumerable<ReplicateEntity> replicates, IReadOnlyDictionary<string, WorkerStanding> standings, BigInteger workerStake) =>
        Contributed(replicates).Where(r => IsBacked(standings, r.Worker, workerStake));

    public static bool IsBacked(IReadOnlyDictionary<string, WorkerStanding> standings, string worker, BigInteger workerStake) =>
        !standings.TryGetValue(worker, out var s) || s.Backs(workerStake);

    public static int Weight(IReadOnlyDictionary<string, WorkerStanding> standings, string worker) =>
        standings.TryGetValue(worker, out var s) ? s.Weight : Protocol.Deals.ConsensusRule.Weight(0);

    /// <summary>The replication plan; only contributions and live replicates count against the contract's cap (<see cref="ReplicateBudget"/>).</summary>
    public static ReplicationPlan Plan(DealEntity deal, IReadOnlyCollection<ReplicateEntity> replicates, IReadOnlyDictionary<string, WorkerStanding> standings, int plannedWeight) =>
        ReplicationPlanner.Plan((uint)deal.Trust, Contributions(replicates, standings, deal.WorkerStakeAmount), replicates.Count(r => ReplicateStateMachine.IsActive(r.Status)),
            replicates.Count(ReplicateBudget.Counts), plannedWeight);

    /// <summary>Moves the task on after its replicates changed; returns the plan for the dispatcher.</summary>
    /// <param name="maxReplicates">
    /// <see cref="SchedulerOptions.MaxReplicatesPerTask"/>: a task that still needs replicates, has none running and was
    /// already given this many (lost ones included) fails. The dispatcher passes it; the worker exchange need not, as the
    /// next placement round judges the task again.
    /// </param>
    public static ReplicationPlan Advance(SchedulerDb db, TaskEntity task, DealEntity deal, IReadOnlyCollection<ReplicateEntity> replicates,
        IReadOnlyDictionary<string, WorkerStanding> standings, int plannedWeight, long nowMs, int maxReplicates = int.MaxValue)
    {
        var plan = Plan(deal, replicates, standings, plannedWeight);
        if (!TaskStateMachine.WantsWork(task.Status)) return plan;

        if (plan.Consensus is { } digest)
        {
            var winner = digest.ToString();
            foreach (var r in Contributed(replicates))
            {
                var unbacked = IsBacked(standings, r.Worker, deal.WorkerStakeAmount) ? ""
                    : $"; not counted: its worker's stake does not back the deal's worker stake of {deal.WorkerStake}";
                // No digest in a reason: until settlement a digest must stay unreadable (ResultSecrecy); the digests have their own columns.
                if (r.Digest == winner) ReplicateStateMachine.Move(db, r, ReplicateStatus.Agreed, "agrees with the consensus" + unbacked, nowMs);
                else if (unbacked.Length > 0) ReplicateStateMachine.Move(db, r, ReplicateStatus.Disagreed, "differs from the consensus" + unbacked, nowMs);
                else ReplicateStateMachine.Move(db, r, ReplicateStatus.Disagreed, "differs from the consensus: its stake is slashed at settlement", nowMs);
            }
            foreach (var r in replicates.Where(r => ReplicateStateMachine.IsActive(r.Status)))
                ReplicateStateMachine.Move(db, r, ReplicateStatus.Cancelled, "consensus was reached without it", nowMs);
            task.ConsensusDigest = winner;
            task.ConsensusAtMs = nowMs;
            TaskStateMachine.Move(db, task, TaskStatus.ConsensusReached, plan.Reason + "; waiting for settlement", nowMs);
            return plan;
        }
        if (plan.Exhausted)
        {
            TaskStateMachine.Move(db, task, TaskStatus.Failed, plan.Reason, nowMs);
            return plan;
        }

        var contributed = replicates.Any(r => ReplicateStateMachine.HasContribution(r.Status));
        var active = replicates.Any(r => ReplicateStateMachine.IsActive(r.Status));
        if (plan.MoreReplicates > 0 && !active && replicates.Count >= maxReplicates)
        {
            var last = replicates.Where(r => !ReplicateStateMachine.IsActive(r.Status) && !ReplicateStateMachine.HasContribution(r.Status))
                .MaxBy(r => r.UpdatedAtMs);
            var lastWords = last is null ? "" : $"; the last one: {last.Reason}";
            TaskStateMachine.Move(db, task, TaskStatus.Failed,
                $"given up after {replicates.Count} replicates ({SchedulerOptions.SectionName}:{nameof(SchedulerOptions.MaxReplicatesPerTask)} is {maxReplicates}), none running: {plan.Reason}{lastWords}", nowMs);
            return plan with { MoreReplicates = 0, Exhausted = true };
        }
        if (contributed && task.Status == TaskStatus.Running)
            TaskStateMachine.Move(db, task, TaskStatus.Contributed, plan.Reason, nowMs);
        else if (!contributed && !active && task.Status == TaskStatus.Running)
            TaskStateMachine.Move(db, task, TaskStatus.Pending, "every replicate was lost; " + plan.Reason, nowMs);
        return plan;
    }
}
