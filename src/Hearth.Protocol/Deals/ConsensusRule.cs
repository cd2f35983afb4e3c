namespace Hearth.Protocol.Deals;

/// <summary>
/// The consensus rule, identical to the contract's (Consensus.sol), so a scheduler can predict it.
/// A worker's weight is the odds that a worker of its reputation is right: max(score / 3, 3) − 1, at most 255.
/// A result wins when the product of the weights of its workers exceeds max(trust − 1, 1) times the product
/// of the weights of everyone else. The agreeing workers share a task's reward by <see cref="RewardShare"/> of their weights.
/// </summary>
public static class ConsensusRule
{
    public const int MaxContributions = 24;
    public const int MaxWeight = 255;

    public static int Weight(long score)
    {
        var w = Math.Max(score / 3, 3) - 1;
        return (int)Math.Min(w, MaxWeight);
    }

    /// <summary>
    /// An agreeing worker's part of a task's reward relative to the other agreeing workers: floor(log2(weight)), as
    /// Consensus.rewardShare. A split linear in the weights would hand nearly all of each reward to the most reputable
    /// keys; by log2 a weight of 255 takes 7 shares where a new worker (weight 2) takes 1.
    /// </summary>
    public static int RewardShare(int weight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(weight, 2);
        return System.Numerics.BitOperations.Log2((uint)weight);
    }

    /// <summary>
    /// What each agreeing worker is paid of <paramref name="reward"/> (the pool price less the owner's share), in the order of
    /// <paramref name="agreeingWeights"/>: reward × share / total shares, rounded down as the contract does; what rounding
    /// leaves goes to the pool owner.
    /// </summary>
    public static System.Numerics.BigInteger[] SplitReward(System.Numerics.BigInteger reward, IReadOnlyList<int> agreeingWeights)
    {
        var shares = agreeingWeights.Select(RewardShare).ToArray();
        var total = shares.Sum();
        return shares.Select(s => reward * s / total).ToArray();
    }

    /// <summary>The winning digest of a task's contributions, or null when none reaches consensus.</summary>
    public static Hash32? Decide(IReadOnlyList<(Hash32 Digest, int Weight)> contributions, uint trust)
    {
        if (contributions.Count == 0 || contributions.Count > MaxContributions) return null;
        var all = System.Numerics.BigInteger.One;
        foreach (var c in contributions) all *= c.Weight;
        System.Numerics.BigInteger best = 0;
        Hash32? winner = null;
        foreach (var group in contributions.GroupBy(c => c.Digest))
        {
            var product = System.Numerics.BigInteger.One;
            foreach (var c in group) product *= c.Weight;
            // Ties keep the first-seen digest, as the contract does; a tie never reaches consensus anyway.
            if (product > best)
            {
                best = product;
                winner = group.Key;
            }
        }
        var threshold = trust > 1 ? trust - 1 : 1;
        return best > threshold * (all / best) ? winner : null;
    }

    /// <summary>How many more agreeing workers of weight <paramref name="weight"/> a result needs,
    /// given the weights of those who already agree and disagree on it.</summary>
    public static int MissingAgreements(IReadOnlyCollection<int> agreeing, IReadOnlyCollection<int> disagreeing, uint trust, int weight)
    {
        if (weight < 2) throw new ArgumentOutOfRangeException(nameof(weight), "weights are at least 2");
        var group = agreeing.Aggregate(System.Numerics.BigInteger.One, (p, w) => p * w);
        var others = disagreeing.Aggregate(System.Numerics.BigInteger.One, (p, w) => p * w);
        var bar = (trust > 1 ? trust - 1 : 1) * others;
        var missing = 0;
        if (agreeing.Count == 0)
        {
            group = weight;
            missing = 1;
        }
        for (; group <= bar; missing++) group *= weight;
        return missing;
    }
}
