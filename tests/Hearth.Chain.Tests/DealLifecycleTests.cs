using System.Numerics;
using Hearth.Chain.Transactions;
using Hearth.Protocol;
using Hearth.Protocol.Deals;

namespace Hearth.Chain.Tests;

/// <summary>Whole deals on a real chain: matched, settled or refunded, with every balance exactly as priced.</summary>
public sealed class DealLifecycleTests(MarketFixture f) : IClassFixture<MarketFixture>
{
    [Fact]
    public async Task A_deal_is_matched_settled_and_everyone_is_paid_exactly()
    {
        var before = await BalancesAsync();
        var match = await f.Requester.MatchOrdersAsync(f.Sign(f.Orders(volume: 3)));
        var taskPrice = MarketFixture.AppPrice + MarketFixture.DatasetPrice + MarketFixture.PoolPrice;
        var poolStake = MarketFixture.PoolPrice * 30 / 100;

        var requester = await f.Requester.GetAccountAsync(f.Requester.Address);
        Assert.Equal(before.Requester.Locked + 3 * taskPrice, requester.Locked);
        Assert.Equal(3u, match.Deal.Volume);
        Assert.Equal(f.Scheduler.Address, match.Deal.Scheduler, StringComparer.OrdinalIgnoreCase);

        var digests = Enumerable.Range(0, 3).Select(i => Hash32.Sha256(BitConverter.GetBytes(i))).ToList();
        var contributions = digests.Select((d, i) => f.Contribute(match.DealId, i, d, worker: 0)).ToList();
        await f.Scheduler.SettleAsync(match.Deal, match.DealId, contributions, "http://127.0.0.1:1/blobs/");

        var after = await BalancesAsync();
        var cut = MarketFixture.PoolPrice * MarketFixture.SchedulerSharePercent / 100;
        Assert.Equal(before.Requester.Balance - 3 * taskPrice, after.Requester.Balance);
        Assert.Equal(before.Requester.Locked, after.Requester.Locked);
        Assert.Equal(before.AppOwner.Balance + 3 * MarketFixture.AppPrice, after.AppOwner.Balance);
        Assert.Equal(before.DatasetOwner.Balance + 3 * MarketFixture.DatasetPrice, after.DatasetOwner.Balance);
        Assert.Equal(before.PoolOwner.Balance + 3 * cut, after.PoolOwner.Balance);
        Assert.Equal(before.PoolOwner.Locked, after.PoolOwner.Locked);
        Assert.Equal(before.Worker.Balance + 3 * (MarketFixture.PoolPrice - cut), after.Worker.Balance);
        Assert.True(poolStake > 0);

        var settled = await f.Requester.TasksSettledAsync(match.DealId);
        Assert.Equal(digests, settled.OrderBy(s => s.Task).Select(s => new Hash32(s.Digest)));
        for (var i = 0; i < 3; i++) Assert.True(await f.Requester.IsTaskDoneAsync(match.DealId, i));

        var again = await Assert.ThrowsAsync<ContractRevertException>(() =>
            f.Scheduler.SettleAsync(match.Deal, match.DealId, [contributions[1]], "x"));
        Assert.Equal("TaskAlreadyDone", again.ErrorName);
    }

    [Fact]
    public async Task Unsettled_tasks_are_refunded_after_the_deadline_with_the_pools_stake()
    {
        var match = await f.Requester.MatchOrdersAsync(f.Sign(f.Orders(volume: 2, withDataset: false)));
        await f.Scheduler.SettleAsync(match.Deal, match.DealId, [f.Contribute(match.DealId, 0, Hash32.Sha256("r"u8), 1)], "loc");

        var early = await Assert.ThrowsAsync<ContractRevertException>(() => f.Requester.ClaimAsync(match.Deal, match.DealId, [1]));
        Assert.Equal("DeadlineNotReached", early.ErrorName);

        var requesterBefore = await f.Requester.GetAccountAsync(f.Requester.Address);
        var poolBefore = await f.PoolOwner.GetAccountAsync(f.PoolOwner.Address);
        await f.WarpAsync(TimeSpan.FromSeconds(match.Deal.Deadline - match.Deal.Start + 1));

        var late = await Assert.ThrowsAsync<ContractRevertException>(() =>
            f.Scheduler.SettleAsync(match.Deal, match.DealId, [f.Contribute(match.DealId, 1, Hash32.Sha256("r"u8), 1)], "loc"));
        Assert.Equal("DeadlinePassed", late.ErrorName);

        var settledOne = await Assert.ThrowsAsync<ContractRevertException>(() => f.Requester.ClaimAsync(match.Deal, match.DealId, [0]));
        Assert.Equal("TaskAlreadyDone", settledOne.ErrorName);

        // Anyone may claim; the money goes to the requester.
        await f.Unfunded.ClaimAsync(match.Deal, match.DealId, [1]);
        var price = MarketFixture.AppPrice + MarketFixture.PoolPrice;
        var stake = MarketFixture.PoolPrice * 30 / 100;
        var requesterAfter = await f.Requester.GetAccountAsync(f.Requester.Address);
        var poolAfter = await f.PoolOwner.GetAccountAsync(f.PoolOwner.Address);
        Assert.Equal(requesterBefore.Balance + price + stake, requesterAfter.Balance);
        Assert.Equal(requesterBefore.Locked - price, requesterAfter.Locked);
        Assert.Equal(poolBefore.Locked - stake, poolAfter.Locked);
        Assert.Equal(poolBefore.Balance, poolAfter.Balance);

        var twice = await Assert.ThrowsAsync<ContractRevertException>(() => f.Requester.ClaimAsync(match.Deal, match.DealId, [1]));
        Assert.Equal("TaskAlreadyDone", twice.ErrorName);
    }

    [Fact]
    public async Task A_replicated_task_pays_the_agreeing_workers_and_slashes_the_dissenter()
    {
        var match = await f.Requester.MatchOrdersAsync(f.Sign(f.Orders(volume: 1, trust: 3, withDataset: false)));
        var honest = Hash32.Sha256("honest"u8);
        var wrong = Hash32.Sha256("wrong"u8);
        var workers = new List<string>();
        for (var i = 0; i < 3; i++) workers.Add(f.WorkerClient(i).Address);
        var before = new List<Market.EscrowAccount>();
        foreach (var w in workers) before.Add(await f.Requester.GetAccountAsync(w));

        // Two agreeing new workers against one dissenter do not reach trust 3: the contract says so.
        var tooFew = await Assert.ThrowsAsync<ContractRevertException>(() => f.Scheduler.SettleAsync(match.Deal, match.DealId,
            [f.Contribute(match.DealId, 0, honest, 0), f.Contribute(match.DealId, 0, honest, 1), f.Contribute(match.DealId, 0, wrong, 2)], "loc"));
        Assert.Equal("NoConsensus", tooFew.ErrorName);

        await f.Scheduler.SettleAsync(match.Deal, match.DealId, [f.Contribute(match.DealId, 0, honest, 0), f.Contribute(match.DealId, 0, honest, 1)], "loc");
        var after = new List<Market.EscrowAccount>();
        foreach (var w in workers) after.Add(await f.Requester.GetAccountAsync(w));
        var workersShare = MarketFixture.PoolPrice - MarketFixture.PoolPrice * MarketFixture.SchedulerSharePercent / 100;
        var weight0 = ConsensusRule.Weight(before[0].Score);
        var weight1 = ConsensusRule.Weight(before[1].Score);
        Assert.Equal(before[0].Balance + workersShare * weight0 / (weight0 + weight1), after[0].Balance);
        Assert.Equal(before[0].Score + 1, after[0].Score);
        Assert.Equal(before[1].Score + 1, after[1].Score);

        // At trust 2, two agreeing workers outweigh one dissenter: it is slashed by the pool's worker stake and loses a third of its score.
        var second = await f.Requester.MatchOrdersAsync(f.Sign(f.Orders(volume: 1, trust: 2, withDataset: false)));
        var wrongBefore = await f.Requester.GetAccountAsync(workers[2]);
        await f.Scheduler.SettleAsync(second.Deal, second.DealId,
            [f.Contribute(second.DealId, 0, honest, 0), f.Contribute(second.DealId, 0, honest, 1), f.Contribute(second.DealId, 0, wrong, 2)], "loc");
        var wrongAfter = await f.Requester.GetAccountAsync(workers[2]);
        Assert.Equal(wrongBefore.Stake - second.Deal.WorkerStake, wrongAfter.Stake);
        Assert.Equal(wrongBefore.Balance, wrongAfter.Balance);
        Assert.Equal(wrongBefore.Score * 2 / 3, wrongAfter.Score);
    }

    [Fact]
    public async Task A_settlement_is_sent_with_a_gas_bound_that_covers_its_worst_case()
    {
        // A callback that burns all the gas it is given, slashed dissenters and replicated tasks: the most a batch spends.
        var burner = await f.Requester.Sender.SendAsync(null, "0x6004600c60003960046000f35b600056", "deploying a callback that loops forever", default);
        var orders = f.Orders(volume: 3, trust: 2, withDataset: false);
        orders.Request.Callback = burner.Receipt.ContractAddress;
        var match = await f.Requester.MatchOrdersAsync(f.Sign(orders));
        var contributions = new List<Contribution>();
        for (var task = 0; task < 3; task++)
        {
            contributions.Add(f.Contribute(match.DealId, task, Hash32.Sha256("honest"u8), 0));
            contributions.Add(f.Contribute(match.DealId, task, Hash32.Sha256("honest"u8), 1));
            contributions.Add(f.Contribute(match.DealId, task, Hash32.Sha256("wrong"u8), 2));
        }
        var bound = Market.HearthClient.SettleGasBound(match.Deal, contributions, "loc");

        var tx = await f.Scheduler.SettleAsync(match.Deal, match.DealId, contributions, "loc");

        var sent = await f.Scheduler.Sender.Web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(tx.Hash);
        Assert.Equal(bound, (long)sent.Gas.Value); // checked with one call, not estimated
        Assert.InRange(tx.GasUsed, bound / 4, bound);
        for (var task = 0; task < 3; task++) Assert.True(await f.Requester.IsTaskDoneAsync(match.DealId, task));
    }

    [Fact]
    public async Task A_batch_too_big_for_the_gas_bound_is_estimated_and_settles()
    {
        const int volume = 250; // bound ≈ 150,000 + 250 × 75,000 = 18.9M, above the largest bound sent
        var match = await f.Requester.MatchOrdersAsync(f.Sign(f.Orders(volume: volume, trust: 1, withDataset: false)));
        var contributions = Enumerable.Range(0, volume).Select(task => f.Contribute(match.DealId, task, Hash32.Sha256("r"u8), 0)).ToList();
        Assert.True(Market.HearthClient.SettleGasBound(match.Deal, contributions, "loc") > Market.HearthClient.MaxSettleGasBound);

        var tx = await f.Scheduler.SettleAsync(match.Deal, match.DealId, contributions, "loc");

        var sent = await f.Scheduler.Sender.Web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(tx.Hash);
        Assert.True(sent.Gas.Value < Market.HearthClient.MaxSettleGasBound, $"sent with a gas limit of {sent.Gas.Value}");
        Assert.True(await f.Requester.IsTaskDoneAsync(match.DealId, volume - 1));
    }

    private async Task<(Market.EscrowAccount Requester, Market.EscrowAccount AppOwner, Market.EscrowAccount DatasetOwner, Market.EscrowAccount PoolOwner, Market.EscrowAccount Worker)> BalancesAsync() => (
        await f.Requester.GetAccountAsync(f.Requester.Address),
        await f.Requester.GetAccountAsync(f.AppOwner.Address),
        await f.Requester.GetAccountAsync(f.DatasetOwner.Address),
        await f.Requester.GetAccountAsync(f.PoolOwner.Address),
        await f.Requester.GetAccountAsync(f.WorkerClient(0).Address));
}
