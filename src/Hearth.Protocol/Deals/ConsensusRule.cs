namespace Hearth.Protocol.Deals;

/// <summary>
/// The consensus rule, identical to the contract's (Consensus.sol), so a scheduler can predict it.
/// A worker's weight is the odds that a worker of its reputation is right: max(score / 3, 3) − 1, at most 255.
/// A result wins when the product of the weights of its workers exceeds max(trust − 1, 1) times the product
/// of the weights of everyone else.
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
