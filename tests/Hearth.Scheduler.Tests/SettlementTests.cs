using Hearth.Protocol;
using Hearth.Protocol.WorkerApi;
using Nethereum.Signer;

namespace Hearth.Scheduler.Tests;

/// <summary>From a real matchOrders to settled results, on anvil, with workers over HTTP.</summary>
public sealed class SettlementTests
{
    [Fact]
    public async Task Deal_from_matchOrders_is_ingested_with_its_terms_and_tasks()
    {
        await using var net = await TestNetwork.StartAsync(workers: 0);
        var server = await net.StartSchedulerAsync(net.Options());
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        var match = await net.MatchAsync(volume: 3, trust: 1);

        var deal = await ReadApi.DealWhereAsync(http, match.DealId.ToString(), d => d.Tasks.Count == 3, "deal ingestion");
        Assert.Equal("Active", deal.Status);
        Assert.Equal(3, deal.Volume);
        Assert.Equal(match.Transaction.BlockNumber, deal.CreatedBlock);
        Assert.Equal("--samples 1000", deal.Params);
        Assert.Equal(Ids.TaskId(match.DealId, 2).ToString(), deal.Tasks[2].TaskId);
        Assert.All(deal.Tasks, t => Assert.Equal("Pending", t.Status));
        var task = await ReadApi.TaskWhereAsync(http, deal.Tasks[0].TaskId, t => t.Reason.Contains("none is connected"), "the task to explain why it waits");
        Assert.Contains(task.History, h => h.Reason.Contains("created in block"));

        // The stored terms are the calldata of settle: the contract accepts them only if they hash to its commitment.
        var dbs = (Microsoft.EntityFrameworkCore.IDbContextFactory<Persistence.SchedulerDb>)server.Services.GetService(typeof(Microsoft.EntityFrameworkCore.IDbContextFactory<Persistence.SchedulerDb>))!;
        await using var db = await dbs.CreateDbContextAsync();
        var stored = (await db.Deals.FindAsync(match.DealId.ToString()))!.ToDeal();
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(match.Deal), System.Text.Json.JsonSerializer.Serialize(stored));
        Assert.Equal(Hash32.Sha256("module"u8).ToString(), (await db.Deals.FindAsync(match.DealId.ToString()))!.AppChecksum);
    }

    [Fact]
    public async Task Many_tasks_settle_in_one_batch_transaction()
    {
        await using var net = await TestNetwork.StartAsync(workers: 1);
        var server = await net.StartSchedulerAsync(net.Options(o => { o.SettlementBatchSize = 8; o.SettlementMaxDelayMs = 600_000; }));
        using var worker = await new TestWorker(server.BaseUrl, net.WorkerKey(0), net.Pool.ToString(), net.Requester.Domain).LoginAsync(slots: 8);
        var match = await net.MatchAsync(volume: 8, trust: 1);

        for (var i = 0; i < 8; i++)
        {
            var a = await worker.NextRequiredAsync();
            Assert.Equal(match.DealId.ToString(), a.DealId);
            // The authorisation comes from the pool's scheduler, for this worker and task.
            var signer = new EthereumMessageSigner().EncodeUTF8AndEcRecover(WorkerLogin.AuthorizationMessage(worker.Address, a.TaskId), a.Authorization);
            Assert.Equal(net.SchedulerClient.Address, signer, ignoreCase: true);
            Assert.Equal(["--samples", "1000"], a.Arguments);
            await worker.ContributeOkAsync(a, TestWorker.HonestDigest(a.TaskId));
        }

        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        var deal = await ReadApi.DealWhereAsync(http, match.DealId.ToString(), d => d.Tasks.All(t => t.Status == "Settled"), "settlement");
        Assert.Single(deal.Tasks.Select(t => t.SettlementTx).Distinct());
        var settled = await net.Requester.TasksSettledAsync(match.DealId);
        Assert.Equal(8, settled.Count);
        Assert.All(settled, s => Assert.Equal(TestWorker.HonestDigest(Ids.TaskId(match.DealId, (long)s.Task).ToString()), new Hash32(s.Digest)));
    }

    [Fact]
    public async Task Trust_needing_two_agreeing_workers_settles_the_honest_result_and_slashes_the_bad_worker()
    {
        await using var net = await TestNetwork.StartAsync(workers: 4);
        var server = await net.StartSchedulerAsync(net.Options());
        var domain = net.Requester.Domain;
        var pool = net.Pool.ToString();
        var match = await net.MatchAsync(volume: 1, trust: 3);
        var taskId = Ids.TaskId(match.DealId, 0).ToString();
        using var http = new HttpClient { BaseAddress = server.BaseUrl };

        // The bad worker connects alone first, so it surely gets one of the first replicates.
        using var bad = await new TestWorker(server.BaseUrl, net.WorkerKey(0), pool, domain).LoginAsync();
        var badAssignment = await bad.NextRequiredAsync();
        var honest = new List<TestWorker>();
        for (var i = 1; i <= 3; i++) honest.Add(await new TestWorker(server.BaseUrl, net.WorkerKey(i), pool, domain).LoginAsync());
        var first = await NextOfAnyAsync(honest);
        await bad.ContributeOkAsync(badAssignment, TestWorker.BadDigest(taskId));
        await first.Worker.ContributeOkAsync(first.Assignment, TestWorker.HonestDigest(taskId));

        // One against one: the rule now needs two more agreeing workers.
        var waiting = await ReadApi.TaskWhereAsync(http, taskId, t => t.Replicates.Count == 4, "two more replicates");
        Assert.Contains("needs 2 more agreeing contributions", waiting.History.Select(h => h.Reason).Last(r => r.Contains("needs")));
        foreach (var w in honest.Where(w => w != first.Worker))
        {
            var a = await w.NextRequiredAsync();
            await w.ContributeOkAsync(a, TestWorker.HonestDigest(taskId));
        }

        var done = await ReadApi.TaskWhereAsync(http, taskId, t => t.Status == "Settled", "settlement");
        Assert.Equal(TestWorker.HonestDigest(taskId).ToString(), done.ConsensusDigest);
        Assert.Equal("Disagreed", done.Replicates.Single(r => r.Worker == bad.Address.ToLowerInvariant()).Status);
        var onChain = Assert.Single(await net.Requester.TasksSettledAsync(match.DealId));
        Assert.Equal(TestWorker.HonestDigest(taskId), new Hash32(onChain.Digest));

        var slashed = await net.Requester.GetAccountAsync(bad.Address);
        Assert.Equal(TestNetwork.WorkerStakeDeposit - match.Deal.WorkerStake, slashed.Stake);
        Assert.Equal(match.Deal.WorkerStake, await net.Requester.GetSeizedAsync());
        foreach (var w in honest)
        {
            var account = await net.Requester.GetAccountAsync(w.Address);
            Assert.Equal(TestNetwork.WorkerStakeDeposit, account.Stake);
            Assert.Equal(1, await net.Requester.GetScoreAsync(w.Address, net.Pool));
            Assert.True(account.Balance > 0);
        }
        foreach (var w in honest) w.Dispose();
    }

    private static async Task<(TestWorker Worker, Assignment Assignment)> NextOfAnyAsync(IReadOnlyList<TestWorker> workers)
    {
        var attempts = workers.Select(async w => (Worker: w, Assignment: await w.NextAsync(5))).ToList();
        var results = await Task.WhenAll(attempts);
        var got = results.Where(r => r.Assignment is not null).ToList();
        Assert.Single(got);
        return (got[0].Worker, got[0].Assignment!);
    }
}
