using Hearth.Chain;
using Hearth.Protocol;
using Hearth.Protocol.Deals;
using Hearth.Protocol.WorkerApi;
using Hearth.Scheduler.Persistence;
using Hearth.Scheduler.Settlement;
using Nethereum.Signer;

namespace Hearth.Scheduler.Tests;

/// <summary>
/// Lone results settled in runs of the workers' result chains: one signature per run instead of one per task. The
/// runs the scheduler builds are checked as the contract checks them, and a deal's batch is seen going to settleRuns.
/// </summary>
public sealed class ResultRunTests
{
    private static readonly Protocol.Orders.Eip712Domain Domain = new(31337, "0x00000000000000000000000000000000000000aa");
    private static readonly Hash32 DealId = Hash32.Sha256("deal"u8);

    /// <summary>A worker's chain over tasks in the order it computed them: one replicate row per result, as reported.</summary>
    private static List<BackedTask> Chain(EthECKey key, params long[] tasks)
    {
        var head = default(Hash32);
        var rows = new List<BackedTask>();
        foreach (var task in tasks)
        {
            var digest = Hash32.Sha256(BitConverter.GetBytes(task));
            var start = head;
            head = ResultChain.Next(start, task, digest);
            var replicate = new ReplicateEntity
            {
                Worker = key.GetPublicAddress().ToLowerInvariant(), TaskIndex = task, Digest = digest.ToString(), ChainStart = start.ToString(),
                ChainSignature = "0x" + Convert.ToHexStringLower(ResultChain.Sign(Domain, DealId, head, key)),
            };
            rows.Add(new BackedTask(new TaskEntity { Index = task }, [replicate]));
        }
        return rows;
    }

    /// <summary>What the contract does with a run: fold its results from its start, recover the signer of the head.</summary>
    private static string? Signer(ResultRun run)
    {
        var head = run.Results.Aggregate(new Hash32(run.Start), (h, r) => ResultChain.Next(h, (long)r.Task, new Hash32(r.Digest)));
        var v = (byte)((run.Vs[0] >> 7) + 27);
        var s = (byte[])run.Vs.Clone();
        s[0] &= 0x7f;
        return ResultChain.RecoverWorker(Domain, DealId, head, [.. run.R, .. s, v]);
    }

    [Fact]
    public void Each_workers_results_go_as_few_runs_as_its_chain_allows_and_each_run_recovers_its_worker()
    {
        var a = EthECKey.GenerateKey();
        var b = EthECKey.GenerateKey();
        var chainA = Chain(a, 5, 2, 9, 7);
        var chainB = Chain(b, 1, 3);
        // Batched by task index, as the settler reads them; task 9 of worker a is not in this batch (a gap).
        var batch = chainA.Concat(chainB).Where(t => t.Task.Index != 9).OrderBy(t => t.Task.Index).ToList();

        var runs = ResultRuns.Build(trust: 1, batch)!;
        Assert.Equal(3, runs.Count); // a: [5, 2] and [7]; b: [1, 3]
        Assert.Equal(batch.Select(t => t.Task.Index).Order(), runs.SelectMany(r => r.Results).Select(r => (long)r.Task).Order());
        Assert.All(runs, r => Assert.NotNull(Signer(r)));
        Assert.Equal(2, runs.Count(r => Addresses.AreEqual(Signer(r)!, a.GetPublicAddress())));
        Assert.Contains(runs, r => r.Results.Select(x => (long)x.Task).SequenceEqual([5L, 2L]));
    }

    [Fact]
    public void A_chain_begun_again_after_a_restart_is_another_run()
    {
        var key = EthECKey.GenerateKey();
        var runs = ResultRuns.Build(trust: 2, [.. Chain(key, 0, 1), .. Chain(key, 2, 3)])!;
        Assert.Equal(2, runs.Count);
        Assert.All(runs, r => Assert.True(Addresses.AreEqual(Signer(r)!, key.GetPublicAddress())));
    }

    [Fact]
    public void Batches_that_cannot_go_as_runs_go_as_contributions()
    {
        var key = EthECKey.GenerateKey();
        Assert.Null(ResultRuns.Build(trust: 3, Chain(key, 0)));
        var unchained = Chain(key, 0);
        unchained[0].Contributions[0].ChainSignature = null;
        Assert.Null(ResultRuns.Build(trust: 1, unchained));
        var twice = Chain(key, 0)[0];
        Assert.Null(ResultRuns.Build(trust: 1, [twice with { Contributions = [twice.Contributions[0], twice.Contributions[0]] }]));
    }

    [Fact]
    public async Task A_trust_one_deal_reported_with_chain_links_settles_in_one_settleRuns_transaction()
    {
        await using var net = await TestNetwork.StartAsync(workers: 1);
        var server = await net.StartSchedulerAsync(net.Options(o => { o.SettlementBatchSize = 16; o.SettlementMaxDelayMs = 600_000; }));
        using var worker = await new TestWorker(server.BaseUrl, net.WorkerKey(0), net.Pool.ToString(), net.Requester.Domain).LoginAsync(slots: 6);
        var match = await net.MatchAsync(volume: 6, trust: 1);
        var assignments = new List<Assignment>();
        for (var i = 0; i < 6; i++) assignments.Add(await worker.NextRequiredAsync());
        // Reported in another order than computed: the chain follows the signing order, the settler follows the links.
        var reports = assignments.Select(a => worker.ChainedContribution(a, TestWorker.HonestDigest(a.TaskId))).Reverse().ToList();
        var (status, answer, body) = await worker.ExchangeAsync(new ExchangeRequest(reports, null, 0));
        Assert.True(answer is not null && answer.Outcomes.All(o => o.Recorded), $"{status}: {body}");

        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        var deal = await ReadApi.DealWhereAsync(http, match.DealId.ToString(), d => d.Tasks.All(t => t.Status == "Settled"), "settlement");
        var tx = Assert.Single(deal.Tasks.Select(t => t.SettlementTx).Distinct());
        var sent = await net.Requester.Sender.Web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(tx);
        var selector = net.Requester.MarketContract.GetFunction("settleRuns").GetData(match.Deal, match.DealId.ToArray(), new List<ResultRun>(), "")[..10];
        Assert.StartsWith(selector, sent.Input, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(6, (await net.Requester.TasksSettledAsync(match.DealId)).Count);
    }

    [Fact]
    public async Task A_report_with_a_bad_chain_link_is_refused_and_the_worker_told_why()
    {
        await using var net = await TestNetwork.StartAsync(workers: 1);
        var server = await net.StartSchedulerAsync(net.Options());
        using var worker = await new TestWorker(server.BaseUrl, net.WorkerKey(0), net.Pool.ToString(), net.Requester.Domain).LoginAsync(slots: 2);
        await net.MatchAsync(volume: 2, trust: 1);
        var a = await worker.NextRequiredAsync();
        var b = await worker.NextRequiredAsync();

        var otherKey = worker.ChainedContribution(a, TestWorker.HonestDigest(a.TaskId), chainKey: EthECKey.GenerateKey());
        var halfLink = worker.ChainedContribution(b, TestWorker.HonestDigest(b.TaskId));
        halfLink = halfLink with { Report = halfLink.Report with { ChainSignature = null } };
        var (_, answer, body) = await worker.ExchangeAsync(new ExchangeRequest([otherKey, halfLink], null, 0));
        Assert.NotNull(answer);
        Assert.Equal([400, 400], answer!.Outcomes.Select(o => o.Status));
        Assert.Contains("result chain signature does not recover", answer.Outcomes[0].Error);
        Assert.Contains("come together", answer.Outcomes[1].Error);

        // Nothing was lost: the same replicates reported well are recorded.
        var plain = worker.Contribution(a, TestWorker.HonestDigest(a.TaskId));
        var (_, again, againBody) = await worker.ExchangeAsync(new ExchangeRequest([plain], null, 0));
        Assert.True(again is not null && again.Outcomes.Single().Recorded, againBody);
    }
}
