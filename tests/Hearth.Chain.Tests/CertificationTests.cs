using System.Numerics;
using Hearth.Chain.Market;
using Hearth.Chain.Transactions;
using Hearth.Protocol;
using Nethereum.Contracts;
using Nethereum.Signer;

namespace Hearth.Chain.Tests;

/// <summary>What certifies a result on chain now: every contribution is backed by stake (a worker's contributions in one
/// settlement together), the market's minimum worker stake, reputation per pool and only from paid work, and the pool's
/// policy, fixed at registration, on requester callbacks.</summary>
public sealed class CertificationTests(MarketFixture f) : IClassFixture<MarketFixture>
{
    private static readonly Hash32 Honest = Hash32.Sha256("honest"u8);
    private static readonly Hash32 Wrong = Hash32.Sha256("wrong"u8);

    /// <summary>A fresh account (10 and up) that deposited and staked <paramref name="stake"/>.</summary>
    private async Task<(HearthClient Client, EthECKey Key)> WorkerWithStakeAsync(int account, decimal stake)
    {
        var client = f.Market.Client(account);
        await client.DepositAsync(Tokens.FromHrth(stake));
        await client.StakeAsync(Tokens.FromHrth(stake));
        return (client, f.Key(account));
    }

    [Fact]
    public async Task A_workers_contributions_in_one_settlement_are_backed_together_unbonding_stake_included()
    {
        // 0.5 HRTH backs one contribution at the pool's worker stake (0.3 HRTH), not two.
        var (worker, key) = await WorkerWithStakeAsync(10, 0.5m);
        var match = await f.Requester.MatchOrdersAsync(f.Sign(f.Orders(volume: 2, withDataset: false)));
        Assert.Equal(MarketFixture.PoolPrice * MarketFixture.WorkerStakePercent / 100, match.Deal.WorkerStake);
        var both = new[] { f.Contribute(match.DealId, 0, Honest, key), f.Contribute(match.DealId, 1, Honest, key) };

        var e = await Assert.ThrowsAsync<ContractRevertException>(() => f.Scheduler.SettleAsync(match.Deal, match.DealId, both, "loc"));
        Assert.Equal("InsufficientStake", e.ErrorName);
        Assert.Equal(2 * match.Deal.WorkerStake, e.Arguments["required"]);
        Assert.Equal(Tokens.FromHrth(0.5m), e.Arguments["available"]);
        Assert.Contains("stake more", e.Message);

        await f.Scheduler.SettleAsync(match.Deal, match.DealId, [both[0]], "loc");
        // Unbonding stake can still be slashed, so it still backs a contribution.
        await worker.RequestUnstakeAsync(Tokens.FromHrth(0.5m));
        var account = await worker.GetAccountAsync(worker.Address);
        Assert.Equal((BigInteger.Zero, Tokens.FromHrth(0.5m)), (account.Stake, account.Unbonding));
        Assert.Equal(Tokens.FromHrth(0.5m), account.Backing);
        await f.Scheduler.SettleAsync(match.Deal, match.DealId, [both[1]], "loc");
        Assert.True(await f.Requester.IsTaskDoneAsync(match.DealId, 1));
    }

    [Fact]
    public async Task A_dissent_must_be_backed_too_or_the_whole_batch_is_refused()
    {
        var match = await f.Requester.MatchOrdersAsync(f.Sign(f.Orders(volume: 1, trust: 2, withDataset: false)));
        var unstaked = EthECKey.GenerateKey();
        var e = await Assert.ThrowsAsync<ContractRevertException>(() => f.Scheduler.SettleAsync(match.Deal, match.DealId,
            [f.Contribute(match.DealId, 0, Honest, 0), f.Contribute(match.DealId, 0, Honest, 1), f.Contribute(match.DealId, 0, Wrong, unstaked)], "loc"));
        Assert.Equal("InsufficientStake", e.ErrorName);
        Assert.False(await f.Requester.IsTaskDoneAsync(match.DealId, 0));
    }

    [Fact]
    public async Task Scores_are_kept_per_pool_and_grow_only_with_paid_work()
    {
        var (_, a) = await WorkerWithStakeAsync(11, 10);
        var (_, b) = await WorkerWithStakeAsync(12, 10);
        var addresses = new[] { a.GetPublicAddress(), b.GetPublicAddress() };
        var other = (await f.PoolOwner.RegisterWorkerpoolAsync(f.Scheduler.Address, MarketFixture.WorkerStakePercent, 1, "http://127.0.0.1:1", "other")).Id;

        var paid = await f.Requester.MatchOrdersAsync(f.Sign(f.Orders(volume: 1, trust: 2, withDataset: false)));
        await f.Scheduler.SettleAsync(paid.Deal, paid.DealId, [f.Contribute(paid.DealId, 0, Honest, a), f.Contribute(paid.DealId, 0, Honest, b)], "loc");
        foreach (var w in addresses)
        {
            Assert.Equal(1, await f.Requester.GetScoreAsync(w, f.Pool));
            Assert.Equal(0, await f.Requester.GetScoreAsync(w, other)); // earned in one pool, it weighs nothing in another
        }

        // Free work (pool price 0) moves no reputation: otherwise scores could be farmed at no cost.
        var free = f.Orders(volume: 1, trust: 2, withDataset: false);
        free.Pool.WorkerpoolPrice = 0;
        var unpaid = await f.Requester.MatchOrdersAsync(f.Sign(free));
        await f.Scheduler.SettleAsync(unpaid.Deal, unpaid.DealId, [f.Contribute(unpaid.DealId, 0, Honest, a), f.Contribute(unpaid.DealId, 0, Honest, b)], "loc");
        foreach (var w in addresses) Assert.Equal(1, await f.Requester.GetScoreAsync(w, f.Pool));
    }

    [Fact]
    public async Task A_deal_asks_at_least_the_markets_minimum_worker_stake()
    {
        var minimum = await f.Requester.MinWorkerStakeAsync();
        Assert.Equal(new DeployOptions().MinWorkerStake, minimum);
        var noStakePool = (await f.PoolOwner.RegisterWorkerpoolAsync(f.Scheduler.Address, 0, 1, "http://127.0.0.1:1", "no-stake")).Id;
        var orders = f.Orders(volume: 1, withDataset: false);
        orders.Pool.Workerpool = noStakePool;
        orders.Request.Workerpool = noStakePool;
        var match = await f.Requester.MatchOrdersAsync(f.Sign(orders));
        Assert.Equal(minimum, match.Deal.WorkerStake);
    }

    [Fact]
    public async Task A_pools_policy_is_set_once_and_a_pool_refusing_callbacks_is_not_matched_with_one()
    {
        var registration = await f.PoolOwner.RegisterWorkerpoolAsync(f.Scheduler.Address, 40, 5, "http://127.0.0.1:1", "no-callbacks");
        var pool = registration.Id;
        var set = registration.Transaction.Receipt.DecodeAllEvents<PolicySetEvent>().Single().Event;
        Assert.Equal((pool, (byte)40, (byte)5, false), (set.Id, set.WorkerStakePercent, set.SchedulerSharePercent, set.AcceptsCallbacks));
        var policy = await f.Requester.GetWorkerpoolPolicyAsync(pool);
        Assert.True(Addresses.AreEqual(f.PoolOwner.Address, policy.Owner) && Addresses.AreEqual(f.Scheduler.Address, policy.Scheduler));
        Assert.Equal((40, 5, false), (policy.WorkerStakePercent, policy.SchedulerSharePercent, policy.AcceptsCallbacks));
        Assert.True((await f.Requester.GetWorkerpoolPolicyAsync(f.Pool)).AcceptsCallbacks);

        var orders = f.Orders(volume: 1, withDataset: false);
        orders.Pool.Workerpool = pool;
        orders.Request.Workerpool = pool;
        orders.Request.Callback = f.Unfunded.Address;
        var e = await Assert.ThrowsAsync<ContractRevertException>(() => f.Requester.MatchOrdersAsync(f.Sign(orders)));
        Assert.Equal("CallbacksRefused", e.ErrorName);
        Assert.Contains($"workerpool {pool} does not accept requests with a callback", e.Message);

        // Only the scheduler's key can change; the policy stays.
        await f.PoolOwner.SetSchedulerAsync(pool, f.Unfunded.Address);
        var rotated = await f.Requester.GetWorkerpoolPolicyAsync(pool);
        Assert.True(Addresses.AreEqual(f.Unfunded.Address, rotated.Scheduler));
        Assert.Equal((40, 5, false), (rotated.WorkerStakePercent, rotated.SchedulerSharePercent, rotated.AcceptsCallbacks));
        var stranger = await Assert.ThrowsAsync<ContractRevertException>(() => f.Requester.SetSchedulerAsync(pool, f.Requester.Address));
        Assert.NotEqual("Unknown", stranger.ErrorName);
    }

    [Fact]
    public async Task An_order_whose_signer_is_the_zero_address_is_refused()
    {
        // presigned[hash] is zero by default: without the check, a request "of" the zero address would pass as pre-signed.
        var orders = f.Orders(volume: 1, withDataset: false);
        orders.Request.Requester = Addresses.Zero;
        var e = await Assert.ThrowsAsync<ContractRevertException>(() => f.Requester.MatchOrdersAsync(f.Sign(orders) with { RequestSignature = [] }));
        Assert.Equal("BadSignature", e.ErrorName);
        Assert.Equal("requester", e.Arguments["party"]);
    }

    [Fact]
    public async Task The_deployer_refuses_an_unbonding_period_shorter_than_the_longest_deal_and_passes_the_minimum_stake()
    {
        var sender = f.Market.Client(13).Sender;
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Deployer.DeployAsync(sender, new DeployOptions { UnbondingPeriod = TimeSpan.FromHours(100) }));
        Assert.Contains("must exceed 360,000 s", e.Message);

        var deployment = await Deployer.DeployAsync(sender, new DeployOptions { UnbondingPeriod = TimeSpan.FromHours(100) + TimeSpan.FromSeconds(1), MinWorkerStake = Tokens.FromHrth(0.25m) });
        Assert.Equal(Tokens.FromHrth(0.25m), await new HearthClient(sender, deployment).MinWorkerStakeAsync());
    }
}
