using Hearth.Chain;
using Hearth.Protocol;
using Hearth.Scheduler.Replication;
using Microsoft.Extensions.Options;

namespace Hearth.Scheduler.Tests;

/// <summary>
/// Settlement within the workers' stakes, on anvil: the contract backs each contribution of a batch with the deal's
/// worker stake, a worker's contributions in one transaction together, and refuses the whole batch otherwise.
/// </summary>
public sealed class BackingTests
{
    [Fact]
    public async Task The_settler_never_sends_a_batch_that_overdraws_a_workers_stake()
    {
        await using var net = await TestNetwork.StartAsync(workers: 0);
        // 1 HRTH backs three contributions at the deal's worker stake of 0.3 HRTH (30 % of 1 HRTH), not four.
        await net.StakeAsync(6, Tokens.FromHrth(1));
        var server = await net.StartSchedulerAsync(net.Options(o => { o.SettlementBatchSize = 8; o.SettlementMaxDelayMs = 600_000; }));
        using var worker = await new TestWorker(server.BaseUrl, net.WorkerKey(0), net.Pool.ToString(), net.Requester.Domain).LoginAsync(slots: 8);
        var match = await net.MatchAsync(volume: 8, trust: 1);
        Assert.Equal(Tokens.FromHrth(0.3m), match.Deal.WorkerStake);

        for (var i = 0; i < 8; i++)
        {
            var a = await worker.NextRequiredAsync();
            await worker.ContributeOkAsync(a, TestWorker.HonestDigest(a.TaskId));
        }

        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        var deal = await ReadApi.DealWhereAsync(http, match.DealId.ToString(), d => d.Tasks.All(t => t.Status == "Settled"), "settlement");
        // All eight were ready together in a batch of eight: they went as 3 + 3 + 2, and no batch was refused (a refused
        // batch is settled task by task, which would make eight transactions).
        var batches = deal.Tasks.GroupBy(t => t.SettlementTx).Select(g => g.Count()).OrderDescending().ToList();
        Assert.Equal([3, 3, 2], batches);
        foreach (var t in deal.Tasks)
        {
            var view = await ReadApi.TaskAsync(http, t.TaskId);
            Assert.DoesNotContain(view.History, h => h.Reason.Contains("refused"));
        }
        Assert.Equal(8, (await net.Requester.TasksSettledAsync(match.DealId)).Count);
        Assert.Equal(Tokens.FromHrth(1), (await net.Requester.GetAccountAsync(worker.Address)).Stake);
    }

    [Fact]
    public async Task A_contribution_whose_stake_is_gone_is_left_out_and_its_task_judged_again()
    {
        await using var net = await TestNetwork.StartAsync(workers: 2);
        // Worker 2's stake backs exactly one contribution; it is slashed to nothing elsewhere after contributing here.
        await net.StakeAsync(8, Tokens.FromHrth(0.3m));
        var server = await net.StartSchedulerAsync(net.Options(o => { o.SettlementBatchSize = 8; o.SettlementMaxDelayMs = 600_000; o.ScoreCacheSeconds = 0; }));
        var domain = net.Requester.Domain;
        var pool = net.Pool.ToString();
        using var http = new HttpClient { BaseAddress = server.BaseUrl };

        using var thin = await new TestWorker(server.BaseUrl, net.WorkerKey(2), pool, domain).LoginAsync();
        var match = await net.MatchAsync(volume: 2, trust: 1);
        var first = await thin.NextRequiredAsync();
        Assert.Equal(0, first.TaskIndex);
        using var rich = await new TestWorker(server.BaseUrl, net.WorkerKey(0), pool, domain).LoginAsync();
        var second = await rich.NextRequiredAsync();
        Assert.Equal(1, second.TaskIndex);

        // Task 0 reaches consensus (trust 1) and waits for its batch: task 1 is still running.
        await thin.ContributeOkAsync(first, TestWorker.HonestDigest(first.TaskId));
        await ReadApi.TaskWhereAsync(http, first.TaskId, t => t.Status == "ConsensusReached", "task 0's consensus");
        var otherPool = await net.OtherPoolAsync();
        await net.SettleInOtherPoolAsync(otherPool, agreeing: [0, 1], dissenting: [2]);
        Assert.Equal(0, (await net.Requester.GetAccountAsync(thin.Address)).Backing);

        // Task 1 completes the batch; task 0's only contribution is no longer backed, so it goes back for another worker.
        await rich.ContributeOkAsync(second, TestWorker.HonestDigest(second.TaskId));
        var again = await rich.NextRequiredAsync();
        Assert.Equal(first.TaskId, again.TaskId);
        await rich.ContributeOkAsync(again, TestWorker.HonestDigest(again.TaskId));

        var deal = await ReadApi.DealWhereAsync(http, match.DealId.ToString(), d => d.Tasks.All(t => t.Status == "Settled"), "settlement");
        Assert.Equal(2, deal.Tasks.Select(t => t.SettlementTx).Distinct().Count());
        var task0 = await ReadApi.TaskAsync(http, first.TaskId);
        Assert.Contains(task0.History, h => h.Reason.Contains("no longer backs the deal's worker stake"));
        foreach (var t in deal.Tasks)
            Assert.DoesNotContain((await ReadApi.TaskAsync(http, t.TaskId)).History, h => h.Reason.Contains("refused"));
        var settled = await net.Requester.TasksSettledAsync(match.DealId);
        Assert.All(settled, s => Assert.Equal(TestWorker.HonestDigest(Ids.TaskId(match.DealId, (long)s.Task).ToString()), new Hash32(s.Digest)));
        Assert.Equal(0, (await net.Requester.GetAccountAsync(thin.Address)).Balance); // it was neither paid nor slashed here
    }

    [Fact]
    public async Task Worker_scores_are_read_in_the_schedulers_pool_and_cached_per_pool()
    {
        await using var net = await TestNetwork.StartAsync(workers: 3);
        var otherPool = await net.OtherPoolAsync();
        // Two replicated settlements in the other pool: workers 0 and 1 earn 2 points there, none in this test's pool.
        await net.SettleInOtherPoolAsync(otherPool, agreeing: [0, 1], dissenting: []);
        await net.SettleInOtherPoolAsync(otherPool, agreeing: [0, 1], dissenting: [2]);
        var w0 = net.WorkerKey(0).GetPublicAddress();
        var w2 = net.WorkerKey(2).GetPublicAddress();

        var scores = new WorkerScores(net.SchedulerClient, Options.Create(net.Options(o => o.ScoreCacheSeconds = 3_600)), TimeProvider.System);
        Assert.Equal(0, (await scores.GetAsync(w0, default)).Score); // the scheduler's own pool
        Assert.Equal(2, (await scores.GetAsync(w0, otherPool, default)).Score); // not the cached figure of the other pool
        Assert.Equal(0, (await scores.GetAsync(w0, default)).Score);
        var forOther = new WorkerScores(net.SchedulerClient, Options.Create(net.Options(o => o.WorkerpoolId = otherPool.ToString())), TimeProvider.System);
        Assert.Equal(2, (await forOther.GetManyAsync([w0], default))[w0].Score);

        // Stake and unbonding both back contributions: the standing counts them together.
        var slashed = await scores.GetAsync(w2, default);
        Assert.Equal(TestNetwork.WorkerStakeDeposit - Tokens.FromHrth(0.3m), slashed.Stake);
        await net.Market.Client(8).RequestUnstakeAsync(Tokens.FromHrth(10));
        scores.Invalidate();
        var unbonding = await scores.GetAsync(w2, default);
        Assert.Equal((slashed.Stake - Tokens.FromHrth(10), Tokens.FromHrth(10)), (unbonding.Stake, unbonding.Unbonding));
        Assert.Equal(slashed.Backing, unbonding.Backing);
    }
}
