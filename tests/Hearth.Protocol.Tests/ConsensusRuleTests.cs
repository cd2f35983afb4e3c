using Hearth.Protocol.Deals;

namespace Hearth.Protocol.Tests;

public sealed class ConsensusRuleTests
{
    private static readonly Hash32 A = Hash32.Sha256("a"u8);
    private static readonly Hash32 B = Hash32.Sha256("b"u8);

    [Theory]
    [InlineData(0, 2)]
    [InlineData(11, 2)]
    [InlineData(12, 3)]
    [InlineData(300, 99)]
    [InlineData(100_000, ConsensusRule.MaxWeight)]
    public void Weight_follows_reputation(long score, int weight) => Assert.Equal(weight, ConsensusRule.Weight(score));

    [Theory]
    [InlineData(1u, 1)]
    [InlineData(2u, 1)]
    [InlineData(3u, 2)]
    [InlineData(4u, 2)]
    [InlineData(5u, 3)]
    [InlineData(10u, 4)]
    [InlineData(100u, 7)]
    [InlineData(10_000u, 14)]
    public void New_workers_needed_match_the_documented_counts(uint trust, int workers)
    {
        Assert.Equal(workers, ConsensusRule.MissingAgreements([], [], trust, ConsensusRule.Weight(0)));
        var agreeing = Enumerable.Repeat((A, 2), workers).ToList();
        Assert.Equal(A, ConsensusRule.Decide(agreeing, trust));
        Assert.Null(ConsensusRule.Decide(agreeing.Take(workers - 1).ToList() is { Count: > 0 } fewer ? fewer : [(B, 2), (A, 2)], trust));
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 1)]
    [InlineData(4, 2)]
    [InlineData(7, 2)]
    [InlineData(8, 3)]
    [InlineData(ConsensusRule.MaxWeight, 7)]
    public void Reward_shares_are_log2_of_the_weights(int weight, int share) => Assert.Equal(share, ConsensusRule.RewardShare(weight));

    [Fact]
    public void Rewards_split_by_shares_and_round_down_as_the_contract_does()
    {
        // The most reputable weight against a new worker: 7 shares to 1, not 255 to 2.
        Assert.Equal([87_500_000L, 12_500_000L], ConsensusRule.SplitReward(100_000_000, [ConsensusRule.MaxWeight, 2]).Select(b => (long)b));
        // Three single shares of 100: 33 each, the 1 left goes to the pool owner.
        Assert.Equal([33L, 33L, 33L], ConsensusRule.SplitReward(100, [2, 3, 2]).Select(b => (long)b));
        Assert.Throws<ArgumentOutOfRangeException>(() => ConsensusRule.RewardShare(1));
    }

    [Fact]
    public void A_disagreeing_worker_raises_the_bar_by_its_weight()
    {
        // trust 3: two new workers suffice alone, but not against one dissenter.
        Assert.Equal(A, ConsensusRule.Decide([(A, 2), (A, 2)], 3));
        Assert.Null(ConsensusRule.Decide([(A, 2), (A, 2), (B, 2)], 3));
        Assert.Equal(A, ConsensusRule.Decide([(A, 2), (A, 2), (A, 2), (B, 2)], 3));
        Assert.Equal(2, ConsensusRule.MissingAgreements([2], [2], 3, 2));
    }

    [Fact]
    public void Ties_never_reach_consensus_even_at_trust_one()
    {
        Assert.Null(ConsensusRule.Decide([(A, 2), (B, 2)], 1));
        Assert.Equal(A, ConsensusRule.Decide([(A, 2), (B, 2), (A, 2)], 1));
    }

    [Fact]
    public void A_reputable_worker_alone_covers_a_higher_trust()
    {
        var weight = ConsensusRule.Weight(300); // 99
        Assert.Equal(A, ConsensusRule.Decide([(A, weight)], 99));
        Assert.Null(ConsensusRule.Decide([(A, weight)], 100));
    }

    [Fact]
    public void Too_many_or_no_contributions_decide_nothing()
    {
        Assert.Null(ConsensusRule.Decide([], 1));
        Assert.Null(ConsensusRule.Decide(Enumerable.Repeat((A, 2), ConsensusRule.MaxContributions + 1).ToList(), 1));
    }
}
