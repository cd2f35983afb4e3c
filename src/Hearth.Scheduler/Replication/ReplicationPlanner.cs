using Hearth.Protocol;
using Hearth.Protocol.Deals;

namespace Hearth.Scheduler.Replication;

/// <summary>What a task needs next, as predicted from the contract's consensus rule.</summary>
/// <param name="Consensus">The winning digest when the contributions already reach the deal's trust.</param>
/// <param name="MoreReplicates">Replicates to add now (beyond those still running).</param>
/// <param name="Exhausted">No consensus is reachable any more: the contract's cap on contributions is reached.</param>
/// <param name="Reason">Why, in words a requester understands; never a digest (it is shown before settlement).</param>
public sealed record ReplicationPlan(Hash32? Consensus, int MoreReplicates, bool Exhausted, string Reason);

/// <summary>
/// Predicts replication from <see cref="ConsensusRule"/>: how many agreeing contributions the leading result still needs,
/// assuming new workers of weight <c>plannedWeight</c>, minus the replicates still running; capped so a task never has more
/// than <see cref="ConsensusRule.MaxContributions"/> contributions and live replicates together (a replicate lost to the
/// infrastructure never contributes, so it does not count: <see cref="ReplicateBudget"/>). Above trust 1 the pool asks a
/// little more than the contract: a lone result stands only if its worker's weight exceeds the trust itself, otherwise a
/// second worker must agree. The contract alone accepts one new worker (weight 2) at trust 2; a requester who pays for
/// replication expects that result cross-checked, while a reputable worker still covers a modest trust alone.
/// </summary>
public static class ReplicationPlanner
{
    /// <param name="countedReplicates">Contributions (backed or not) and live replicates: what the contract's cap counts.</param>
    public static ReplicationPlan Plan(uint trust, IReadOnlyList<(Hash32 Digest, int Weight)> contributions, int activeReplicates, int countedReplicates, int plannedWeight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(plannedWeight, 2);
        var effectiveTrust = Math.Max(trust, 1u);
        int MinAgreeing(int weight) => effectiveTrust > 1 && weight <= effectiveTrust ? 2 : 1;
        if (contributions.Count > 0 && ConsensusRule.Decide(contributions, effectiveTrust) is { } winner
            && contributions.Where(c => c.Digest == winner).ToList() is var group
            && group.Count >= MinAgreeing(group.Max(c => c.Weight)))
            return new ReplicationPlan(winner, 0, false, $"consensus reached with {contributions.Count(c => c.Digest == winner)} of {contributions.Count} contributions (trust {effectiveTrust})");

        int missing;
        if (contributions.Count == 0)
        {
            missing = Math.Max(MinAgreeing(plannedWeight), ConsensusRule.MissingAgreements([], [], effectiveTrust, plannedWeight));
        }
        else
        {
            var leader = contributions.GroupBy(c => c.Digest)
                .Select(g => (g.Key, Product: g.Aggregate(System.Numerics.BigInteger.One, (p, c) => p * c.Weight)))
                .MaxBy(g => g.Product).Key;
            var agreeing = contributions.Where(c => c.Digest == leader).Select(c => c.Weight).ToList();
            var disagreeing = contributions.Where(c => c.Digest != leader).Select(c => c.Weight).ToList();
            missing = Math.Max(MinAgreeing(agreeing.Max()) - agreeing.Count, ConsensusRule.MissingAgreements(agreeing, disagreeing, effectiveTrust, plannedWeight));
        }

        var room = ConsensusRule.MaxContributions - countedReplicates;
        var more = Math.Clamp(missing - activeReplicates, 0, Math.Max(room, 0));
        if (more == 0 && activeReplicates == 0 && missing > 0)
            return new ReplicationPlan(null, 0, true, $"no consensus after {contributions.Count} contributions: the contract accepts at most {ConsensusRule.MaxContributions} per task");

        var noun = missing == 1 ? "contribution" : "contributions";
        var reason = contributions.Count == 0
            ? $"needs {missing} agreeing {noun} (trust {effectiveTrust})"
            : $"needs {missing} more agreeing {noun} (trust {effectiveTrust}; {contributions.Count} received, {contributions.Select(c => c.Digest).Distinct().Count()} distinct results)";
        return new ReplicationPlan(null, more, false, reason);
    }
}
