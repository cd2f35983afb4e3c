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
    public async Task Lone_results_settle_as_runs_of_the_workers_chains_and_pay_as_contributions_would()
    {
        var before = await BalancesAsync();
        var match = await f.Requester.MatchOrdersAsync(f.Sign(f.Orders(volume: 5)));
        var results = Enumerable.Range(0, 5).Select(i => ((long)i, Hash32.Sha256(BitConverter.GetBytes(i * 7)))).ToList();
        // Worker 0's chain holds tasks 3, 0, 1 in that order; tasks 0 and 1 go as a run from the head after task 3.
        var afterThree = ResultChain.Next(default, 3, results[3].Item2);
        var head = ResultChain.Next(ResultChain.Next(afterThree, 0, results[0].Item2), 1, results[1].Item2);
        var run = ResultRun.Of(afterThree, ResultChain.Sign(f.Domain, match.DealId, head, f.WorkerKey(0)), [results[0], results[1]]);

        // The same run with one digest changed recovers a key with no stake: refused, nothing settled.
        var forged = ResultRun.Of(afterThree, ResultChain.Sign(f.Domain, match.DealId, head, f.WorkerKey(0)), [results[0], (1L, Hash32.Sha256("forged"u8))]);
        var refused = await Assert.ThrowsAsync<ContractRevertException>(() => f.Scheduler.SettleRunsAsync(match.Deal, match.DealId, [forged], "loc"));
        Assert.Equal("InsufficientStake", refused.ErrorName);
        Assert.False(await f.Requester.IsTaskDoneAsync(match.DealId, 1));

        var tx = await f.Scheduler.SettleRunsAsync(match.Deal, match.DealId, [run], "loc");
        Assert.True(tx.GasUsed < Market.HearthClient.SettleGasBound(match.Deal, 1, 2, "loc"));
        var after = await BalancesAsync();
        var cut = MarketFixture.PoolPrice * MarketFixture.SchedulerSharePercent / 100;
        Assert.Equal(before.AppOwner.Balance + 2 * MarketFixture.AppPrice, after.AppOwner.Balance);
        Assert.Equal(before.Worker.Balance + 2 * (MarketFixture.PoolPrice - cut), after.Worker.Balance);
        // The pool's stake for the three tasks still open stays locked; the two settled ones came back with its cut.
        var poolStake = MarketFixture.PoolPrice * 30 / 100;
        Assert.Equal(before.PoolOwner.Balance + 2 * cut - 3 * poolStake, after.PoolOwner.Balance);
        var settled = await f.Requester.TasksSettledAsync(match.DealId);
        Assert.Equal([results[0].Item2, results[1].Item2], settled.OrderBy(s => s.Task).Select(s => new Hash32(s.Digest)));

        var again = await Assert.ThrowsAsync<ContractRevertException>(() => f.Scheduler.SettleRunsAsync(match.Deal, match.DealId, [run], "loc"));
        Assert.Equal("TaskAlreadyDone", again.ErrorName);
    }

    [Fact]
    public async Task Unsettled_tasks_are_refunded_after_the_deadline_and_the_pools_stake_is_seized()
    {
        var match = await f.Requester.MatchOrdersAsync(f.Sign(f.Orders(volume: 2, withDataset: false)));
        await f.Scheduler.SettleAsync(match.Deal, match.DealId, [f.Contribute(match.DealId, 0, Hash32.Sha256("r"u8), 1)], "loc");

        var early = await Assert.ThrowsAsync<ContractRevertException>(() => f.Requester.ClaimAsync(match.Deal, match.DealId, [1]));
        Assert.Equal("DeadlineNotReached", early.ErrorName);

        var requesterBefore = await f.Requester.GetAccountAsync(f.Requester.Address);
        var poolBefore = await f.PoolOwner.GetAccountAsync(f.PoolOwner.Address);
        var seizedBefore = await f.Requester.GetSeizedAsync();
        await f.WarpAsync(TimeSpan.FromSeconds(match.Deal.Deadline - match.Deal.Start + 1));

        var late = await Assert.ThrowsAsync<ContractRevertException>(() =>
            f.Scheduler.SettleAsync(match.Deal, match.DealId, [f.Contribute(match.DealId, 1, Hash32.Sha256("r"u8), 1)], "loc"));
        Assert.Equal("DeadlinePassed", late.ErrorName);

        var settledOne = await Assert.ThrowsAsync<ContractRevertException>(() => f.Requester.ClaimAsync(match.Deal, match.DealId, [0]));
        Assert.Equal("TaskAlreadyDone", settledOne.ErrorName);

        // Anyone may claim; the refund goes to the requester. It is the price only: the pool's stake for the task is
        // seized, so a requester gains nothing by making its own tasks fail.
        var claim = await f.Unfunded.ClaimAsync(match.Deal, match.DealId, [1]);
        var price = MarketFixture.AppPrice + MarketFixture.PoolPrice;
        var stake = MarketFixture.PoolPrice * 30 / 100;
        var requesterAfter = await f.Requester.GetAccountAsync(f.Requester.Address);
        var poolAfter = await f.PoolOwner.GetAccountAsync(f.PoolOwner.Address);
        Assert.Equal(requesterBefore.Balance + price, requesterAfter.Balance);
        Assert.Equal(requesterBefore.Locked - price, requesterAfter.Locked);
        Assert.Equal(poolBefore.Locked - stake, poolAfter.Locked);
        Assert.Equal(poolBefore.Balance, poolAfter.Balance);
        Assert.Equal(seizedBefore + stake, await f.Requester.GetSeizedAsync());
        var seized = f.Requester.MarketContract.GetEvent<Market.SeizedEvent>().DecodeAllEventsForEvent(claim.Receipt.Logs).Single().Event;
        Assert.Equal(match.DealId, new Hash32(seized.DealId));
        Assert.Equal(stake, seized.Amount);

        var twice = await Assert.ThrowsAsync<ContractRevertException>(() => f.Requester.ClaimAsync(match.Deal, match.DealId, [1]));
        Assert.Equal("TaskAlreadyDone", twice.ErrorName);
    }

    [Fact]
    public async Task A_replicated_task_pays_the_agreeing_workers_by_log2_of_their_weights_and_seizes_the_dissenters_stake()
    {
        var match = await f.Requester.MatchOrdersAsync(f.Sign(f.Orders(volume: 1, trust: 3, withDataset: false)));
        var honest = Hash32.Sha256("honest"u8);
        var wrong = Hash32.Sha256("wrong"u8);
        var workers = new List<string>();
        for (var i = 0; i < 3; i++) workers.Add(f.WorkerClient(i).Address);
        var before = await StandingsAsync(workers);

        // Two agreeing new workers against one dissenter do not reach trust 3: the contract says so.
        var tooFew = await Assert.ThrowsAsync<ContractRevertException>(() => f.Scheduler.SettleAsync(match.Deal, match.DealId,
            [f.Contribute(match.DealId, 0, honest, 0), f.Contribute(match.DealId, 0, honest, 1), f.Contribute(match.DealId, 0, wrong, 2)], "loc"));
        Assert.Equal("NoConsensus", tooFew.ErrorName);

        await f.Scheduler.SettleAsync(match.Deal, match.DealId, [f.Contribute(match.DealId, 0, honest, 0), f.Contribute(match.DealId, 0, honest, 1)], "loc");
        var after = await StandingsAsync(workers);
        var cut = MarketFixture.PoolPrice * MarketFixture.SchedulerSharePercent / 100;
        var paid = ConsensusRule.SplitReward(MarketFixture.PoolPrice - cut, [ConsensusRule.Weight(before[0].Score), ConsensusRule.Weight(before[1].Score)]);
        Assert.Equal(before[0].Account.Balance + paid[0], after[0].Account.Balance);
        Assert.Equal(before[1].Account.Balance + paid[1], after[1].Account.Balance);
        // Reputation moves only on replicated, paid settlements.
        Assert.Equal(before[0].Score + 1, after[0].Score);
        Assert.Equal(before[1].Score + 1, after[1].Score);

        // At trust 2, two agreeing workers outweigh one dissenter: its worker stake is seized (nobody is paid it) and it
        // loses a third of its score; the agreeing workers get the reward alone, the pool owner its share and the rounding.
        var second = await f.Requester.MatchOrdersAsync(f.Sign(f.Orders(volume: 1, trust: 2, withDataset: false)));
        var secondBefore = await StandingsAsync(workers);
        var poolBefore = await f.Requester.GetAccountAsync(f.PoolOwner.Address);
        var seizedBefore = await f.Requester.GetSeizedAsync();
        await f.Scheduler.SettleAsync(second.Deal, second.DealId,
            [f.Contribute(second.DealId, 0, honest, 0), f.Contribute(second.DealId, 0, honest, 1), f.Contribute(second.DealId, 0, wrong, 2)], "loc");
        var secondAfter = await StandingsAsync(workers);
        Assert.Equal(secondBefore[2].Account.Stake - second.Deal.WorkerStake, secondAfter[2].Account.Stake);
        Assert.Equal(secondBefore[2].Account.Balance, secondAfter[2].Account.Balance);
        Assert.Equal(secondBefore[2].Score * 2 / 3, secondAfter[2].Score);
        Assert.Equal(seizedBefore + second.Deal.WorkerStake, await f.Requester.GetSeizedAsync());
        var split = ConsensusRule.SplitReward(MarketFixture.PoolPrice - cut, [ConsensusRule.Weight(secondBefore[0].Score), ConsensusRule.Weight(secondBefore[1].Score)]);
        Assert.Equal(secondBefore[0].Account.Balance + split[0], secondAfter[0].Account.Balance);
        Assert.Equal(secondBefore[1].Account.Balance + split[1], secondAfter[1].Account.Balance);
        var poolAfter = await f.Requester.GetAccountAsync(f.PoolOwner.Address);
        Assert.Equal(poolBefore.Balance + cut + (MarketFixture.PoolPrice - cut - split[0] - split[1]) + second.Deal.PoolStake, poolAfter.Balance);
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

    private async Task<List<(Market.EscrowAccount Account, long Score)>> StandingsAsync(IEnumerable<string> workers)
    {
        var standings = new List<(Market.EscrowAccount, long)>();
        foreach (var w in workers) standings.Add((await f.Requester.GetAccountAsync(w), await f.Requester.GetScoreAsync(w, f.Pool)));
        return standings;
    }

    private async Task<(Market.EscrowAccount Requester, Market.EscrowAccount AppOwner, Market.EscrowAccount DatasetOwner, Market.EscrowAccount PoolOwner, Market.EscrowAccount Worker)> BalancesAsync() => (
        await f.Requester.GetAccountAsync(f.Requester.Address),
        await f.Requester.GetAccountAsync(f.AppOwner.Address),
        await f.Requester.GetAccountAsync(f.DatasetOwner.Address),
        await f.Requester.GetAccountAsync(f.PoolOwner.Address),
        await f.Requester.GetAccountAsync(f.WorkerClient(0).Address));
}
