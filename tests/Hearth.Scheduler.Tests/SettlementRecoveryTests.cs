using Hearth.Protocol;
using Hearth.Protocol.Deals;
using Microsoft.Extensions.Time.Testing;

namespace Hearth.Scheduler.Tests;

/// <summary>Settlements whose outcome the scheduler did not see: the chain decides, without a restart.</summary>
public sealed class SettlementRecoveryTests
{
    [Fact]
    public async Task A_settlement_mined_while_its_receipt_never_came_ends_Settled_without_a_restart()
    {
        await using var net = await TestNetwork.StartAsync(workers: 1);
        await using var proxy = await RpcProxy.StartAsync(net.Market.RpcUrl);
        var server = await net.StartSchedulerAsync(net.Options(o =>
        {
            o.RpcUrl = proxy.Url.AbsoluteUri;
            o.SettlementCheckIntervalMs = 500;
        }));
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        using var worker = await new TestWorker(server.BaseUrl, net.WorkerKey(0), net.Pool.ToString(), net.Requester.Domain).LoginAsync();
        var match = await net.MatchAsync(volume: 1, trust: 1);
        var a = await worker.NextRequiredAsync();

        // From now on the node takes transactions but never answers for their receipts: the settlement is mined, and the
        // scheduler's wait for its receipt ends in an RPC timeout.
        proxy.HoldReceipts = true;
        await worker.ContributeOkAsync(a, TestWorker.HonestDigest(a.TaskId));
        await Eventually.TrueAsync(() => net.Requester.IsTaskDoneAsync(match.DealId, a.TaskIndex), "the settlement to be mined");

        var task = await Eventually.GetAsync(async () => (Api.TaskView?)await ReadApi.TaskAsync(http, a.TaskId),
            t => t?.Status is "Settled" or "Failed", "the task to be resolved from the chain", TimeSpan.FromSeconds(120));
        Assert.True(proxy.ReceiptsHeld > 0, "the receipt was never asked for: the test did not hold what it meant to");
        Assert.Equal("Settled", task.Status);
        Assert.DoesNotContain(task.History, h => h.To == "Failed");
        var onChain = Assert.Single(await net.Requester.TasksSettledAsync(match.DealId));
        Assert.Equal(TestWorker.HonestDigest(a.TaskId), new Hash32(onChain.Digest));
        Assert.NotNull(task.SettlementTx);
        var receipt = await net.Requester.Sender.Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(task.SettlementTx);
        Assert.Equal(1, (int)receipt.Status.Value);
        Assert.Contains(task.History, h => h.Reason.Contains("settlement not confirmed"));
    }

    [Fact]
    public async Task A_settlement_the_node_dropped_is_sent_again_once_not_mined_in_time()
    {
        await using var net = await TestNetwork.StartAsync(workers: 1);
        var server = await net.StartSchedulerAsync(net.Options(o =>
        {
            o.SettlementResendAfterSeconds = 3;
            o.SettlementCheckIntervalMs = 500;
        }));
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        using var worker = await new TestWorker(server.BaseUrl, net.WorkerKey(0), net.Pool.ToString(), net.Requester.Domain).LoginAsync();
        var match = await net.MatchAsync(volume: 1, trust: 1);
        var a = await worker.NextRequiredAsync();
        var rpc = new Nethereum.Web3.Web3(net.Market.RpcUrl);
        var scheduler = net.SchedulerClient.Address;
        var nonce = (await rpc.Eth.Transactions.GetTransactionCount.SendRequestAsync(scheduler, Nethereum.RPC.Eth.DTOs.BlockParameter.CreateLatest())).Value;

        // The node takes the settlement into its pool without mining it, then loses its pool (a restart of the node).
        await AnvilAsync(rpc, "evm_setAutomine", false);
        await worker.ContributeOkAsync(a, TestWorker.HonestDigest(a.TaskId));
        await Eventually.TrueAsync(async () =>
            (await rpc.Eth.Transactions.GetTransactionCount.SendRequestAsync(scheduler, Nethereum.RPC.Eth.DTOs.BlockParameter.CreatePending())).Value >
            (await rpc.Eth.Transactions.GetTransactionCount.SendRequestAsync(scheduler, Nethereum.RPC.Eth.DTOs.BlockParameter.CreateLatest())).Value,
            "the settlement to wait in the node's pool");
        await AnvilAsync(rpc, "anvil_dropAllTransactions");
        await AnvilAsync(rpc, "evm_setAutomine", true);

        // Sent again either as a fee bump of the same transaction (same nonce, a fifth of the resend time later) or, past
        // the resend time, by the reconciliation: settled once either way, with one transaction of the scheduler's.
        var task = await ReadApi.TaskWhereAsync(http, a.TaskId, t => t.Status is "Settled" or "Failed", "the settlement to be sent again");
        Assert.Equal("Settled", task.Status);
        Assert.Single(await net.Requester.TasksSettledAsync(match.DealId));
        var mined = await rpc.Eth.Transactions.GetTransactionByHash.SendRequestAsync(task.SettlementTx);
        Assert.Equal(nonce, mined.Nonce.Value);
        Assert.Equal(nonce + 1, (await rpc.Eth.Transactions.GetTransactionCount.SendRequestAsync(scheduler, Nethereum.RPC.Eth.DTOs.BlockParameter.CreateLatest())).Value);
    }

    private static Task AnvilAsync(Nethereum.Web3.Web3 rpc, string method, params object[] args) =>
        rpc.Client.SendRequestAsync<object>(new Nethereum.JsonRpc.Client.RpcRequest(Guid.NewGuid().ToString("N"), method, args));

    [Fact]
    public async Task A_one_task_batch_refused_with_TaskAlreadyDone_ends_Settled()
    {
        await using var net = await TestNetwork.StartAsync(workers: 1);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = await net.StartSchedulerAsync(net.Options(o => o.SettlementMaxDelayMs = 600_000), time);
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        using var worker = await new TestWorker(server.BaseUrl, net.WorkerKey(0), net.Pool.ToString(), net.Requester.Domain).LoginAsync();
        var match = await net.MatchAsync(volume: 2, trust: 1);
        var a = await worker.NextRequiredAsync();
        var digest = TestWorker.HonestDigest(a.TaskId);
        await worker.ContributeOkAsync(a, digest);
        // The deal's other task is not done: this one waits for its batch to fill or for the longest delay.
        await ReadApi.TaskWhereAsync(http, a.TaskId, t => t.Status == "ConsensusReached", "consensus");

        // Settled with the scheduler's key outside its settler (another process, or an attempt whose record was lost).
        var signature = ContributionSigning.Sign(net.Requester.Domain, Hash32.Parse(a.TaskId), digest, net.WorkerKey(0));
        var direct = await net.SchedulerClient.SettleAsync(match.Deal, match.DealId,
            [ContributionSigning.ToContribution(a.TaskIndex, digest, signature)], "http://127.0.0.1:1/blobs/");

        // The delay passes: the task is sent alone, and the chain refuses it with TaskAlreadyDone.
        time.Advance(TimeSpan.FromMinutes(11));
        var task = await ReadApi.TaskWhereAsync(http, a.TaskId, t => t.Status is "Settled" or "Failed", "the refused settlement to be resolved");
        Assert.Equal("Settled", task.Status);
        Assert.Equal(direct.Hash, task.SettlementTx);
        Assert.Single(await net.Requester.TasksSettledAsync(match.DealId));
    }
}
