using System.Net;
using Hearth.Chain.Anvil;
using Hearth.Protocol;
using Microsoft.Extensions.Time.Testing;

namespace Hearth.Scheduler.Tests;

/// <summary>Silent workers, chain reorganisations.</summary>
public sealed class ResilienceTests
{
    [Fact]
    public async Task A_worker_that_stops_heart_beating_loses_its_replicate_to_another_worker()
    {
        await using var net = await TestNetwork.StartAsync(workers: 2);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = await net.StartSchedulerAsync(net.Options(o => o.HeartbeatTimeoutSeconds = 30), time);
        var domain = net.Requester.Domain;
        using var silent = await new TestWorker(server.BaseUrl, net.WorkerKey(0), net.Pool.ToString(), domain).LoginAsync();
        var match = await net.MatchAsync(volume: 1, trust: 1);
        var taken = await silent.NextRequiredAsync();

        using var steady = await new TestWorker(server.BaseUrl, net.WorkerKey(1), net.Pool.ToString(), domain).LoginAsync();
        Assert.Null(await steady.NextAsync(0)); // one replicate is enough at trust 1, and the silent worker still has it
        time.Advance(TimeSpan.FromSeconds(31));
        await steady.HeartbeatAsync();

        var replacement = await steady.NextRequiredAsync();
        Assert.Equal(taken.TaskId, replacement.TaskId);
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        var task = await ReadApi.TaskAsync(http, taken.TaskId);
        var abandoned = task.Replicates.Single(r => r.ReplicateId == taken.ReplicateId);
        Assert.Equal("Abandoned", abandoned.Status);
        Assert.Contains($"worker {silent.Address.ToLowerInvariant()} stopped heart-beating", abandoned.Reason);
        Assert.Contains(task.History, h => h.Reason.Contains("stopped heart-beating; replicate reassigned"));

        await steady.ContributeOkAsync(replacement, TestWorker.HonestDigest(replacement.TaskId));
        using var late = await silent.ContributeAsync(taken, TestWorker.HonestDigest(taken.TaskId));
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        await ReadApi.TaskWhereAsync(http, taken.TaskId, t => t.Status == "Settled", "settlement by the replacement");
    }

    [Fact]
    public async Task A_worker_that_keeps_heart_beating_but_no_longer_lists_a_replicate_loses_it()
    {
        await using var net = await TestNetwork.StartAsync(workers: 2);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = await net.StartSchedulerAsync(net.Options(o => o.HeartbeatTimeoutSeconds = 30), time);
        var domain = net.Requester.Domain;
        using var forgetful = await new TestWorker(server.BaseUrl, net.WorkerKey(0), net.Pool.ToString(), domain).LoginAsync();
        await net.MatchAsync(volume: 1, trust: 1);
        var taken = await forgetful.NextRequiredAsync();
        using var http = new HttpClient { BaseAddress = server.BaseUrl };

        // Listed in every heartbeat: kept, however long it runs.
        time.Advance(TimeSpan.FromSeconds(20));
        await forgetful.HeartbeatAsync(1, taken.ReplicateId);
        time.Advance(TimeSpan.FromSeconds(15));
        await forgetful.HeartbeatAsync(1, taken.ReplicateId);
        Assert.Equal("Assigned", (await ReadApi.TaskAsync(http, taken.TaskId)).Replicates.Single().Status);

        // Alive, but the replicate is gone from its list (a lost state file): it is replaced at once, not after the deadline.
        await forgetful.HeartbeatAsync(1);
        using var other = await new TestWorker(server.BaseUrl, net.WorkerKey(1), net.Pool.ToString(), domain).LoginAsync();
        var replacement = await other.NextRequiredAsync();

        Assert.Equal(taken.TaskId, replacement.TaskId);
        var lost = (await ReadApi.TaskAsync(http, taken.TaskId)).Replicates.Single(r => r.ReplicateId == taken.ReplicateId);
        Assert.Equal("Abandoned", lost.Status);
        Assert.Contains($"worker {forgetful.Address.ToLowerInvariant()} no longer holds it", lost.Reason);
    }

    [Fact]
    public async Task A_deal_removed_by_a_reorganisation_is_suspended_and_restored_when_it_reappears()
    {
        await using var net = await TestNetwork.StartAsync(workers: 1);
        var anvil = new AnvilControl(net.Market.RpcUrl);
        var server = await net.StartSchedulerAsync(net.Options());
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        var orders = net.MakeOrders(volume: 2, trust: 1);

        var snapshot = await anvil.SnapshotAsync();
        var first = await net.Requester.MatchOrdersAsync(orders.Signed);
        var dealId = first.DealId.ToString();
        await ReadApi.DealWhereAsync(http, dealId, d => d.Status == "Active", "ingestion");

        // Another history: the deal's block is gone and the chain grows past it with different blocks.
        Assert.True(await anvil.RevertAsync(snapshot));
        await anvil.IncreaseTimeAsync(TimeSpan.FromSeconds(5));
        await anvil.MineAsync(3);
        var vanished = await ReadApi.DealWhereAsync(http, dealId, d => d.Status == "Vanished", "the reorganisation to be noticed");
        Assert.Contains("reorganised away", vanished.Reason);

        // A worker connecting now must not get the vanished deal's tasks.
        using var worker = await new TestWorker(server.BaseUrl, net.WorkerKey(0), net.Pool.ToString(), net.Requester.Domain).LoginAsync(slots: 2);
        Assert.Null(await worker.NextAsync(1));

        // The same orders matched again give the same deal id in a new block: re-ingested once, with the new terms.
        var again = await net.FreshClient(5).MatchOrdersAsync(orders.Signed);
        Assert.Equal(first.DealId, again.DealId);
        var restored = await ReadApi.DealWhereAsync(http, dealId, d => d.Status == "Active", "the deal to reappear");
        Assert.Equal(again.Transaction.BlockNumber, restored.CreatedBlock);
        Assert.Equal(2, restored.Tasks.Count);
        Assert.Contains(restored.History, h => h.To == "Vanished");

        for (var i = 0; i < 2; i++)
        {
            var a = await worker.NextRequiredAsync();
            await worker.ContributeOkAsync(a, TestWorker.HonestDigest(a.TaskId));
        }
        // Settling with the old terms would revert (UnknownDeal): settled means the terms were replaced.
        await ReadApi.DealWhereAsync(http, dealId, d => d.Tasks.All(t => t.Status == "Settled"), "settlement of the restored deal");
        Assert.Equal(2, (await net.Requester.TasksSettledAsync(again.DealId)).Count);
    }

    [Fact]
    public async Task A_settlement_removed_by_a_reorganisation_is_noticed_sent_again_and_paid_once()
    {
        await using var net = await TestNetwork.StartAsync(workers: 1);
        var anvil = new AnvilControl(net.Market.RpcUrl);
        var server = await net.StartSchedulerAsync(net.Options(o => o.SettlementCheckIntervalMs = 200));
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        using var worker = await new TestWorker(server.BaseUrl, net.WorkerKey(0), net.Pool.ToString(), net.Requester.Domain).LoginAsync();
        var match = await net.MatchAsync(volume: 1, trust: 1);
        var dealId = match.DealId.ToString();
        await ReadApi.DealWhereAsync(http, dealId, d => d.Status == "Active", "ingestion");
        var snapshot = await anvil.SnapshotAsync();
        var a = await worker.NextRequiredAsync();
        await worker.ContributeOkAsync(a, TestWorker.HonestDigest(a.TaskId));
        var first = await ReadApi.DealWhereAsync(http, dealId, d => d.Tasks.All(t => t.Status == "Settled"), "the first settlement");
        var firstTx = first.Tasks.Single().SettlementTx;
        var workerBefore = (await net.Requester.GetAccountAsync(worker.Address)).Balance;

        // Another history without the settlement's block, longer than the one the scheduler saw.
        Assert.True(await anvil.RevertAsync(snapshot));
        Assert.False(await net.Requester.IsTaskDoneAsync(match.DealId, 0));
        await anvil.MineAsync(4);

        // Sent again, the settlement may be the very same transaction (same nonce, same calldata): the history tells.
        var taskId = first.Tasks.Single().TaskId;
        var view = await ReadApi.TaskWhereAsync(http, taskId, t => t.Status == "Settled" && t.History.Any(h => h.Reason.Contains("reorganised away")), "the settlement sent again");
        Assert.Contains(view.History, h => h.Reason.Contains($"of its settlement {firstTx} is no longer on the chain"));
        Assert.True(await net.Requester.IsTaskDoneAsync(match.DealId, 0), string.Join("\n", view.History.Select(h => $"{h.From}->{h.To}: {h.Reason}")));
        Assert.Single(await net.Requester.TasksSettledAsync(match.DealId));
        // Paid once on the surviving branch: the reverted payment is gone, the new one is the only one.
        Assert.Equal(workerBefore, (await net.Requester.GetAccountAsync(worker.Address)).Balance);
    }

    [Fact]
    public async Task A_task_past_its_deadline_fails_with_a_refund_reason()
    {
        await using var net = await TestNetwork.StartAsync(workers: 0);
        var anvil = new AnvilControl(net.Market.RpcUrl);
        var server = await net.StartSchedulerAsync(net.Options());
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        var match = await net.MatchAsync(volume: 1, trust: 1);
        await ReadApi.DealWhereAsync(http, match.DealId.ToString(), d => d.Status == "Active", "ingestion");

        await anvil.IncreaseTimeAsync(TimeSpan.FromSeconds((long)(match.Deal.Deadline - match.Deal.Start) + 10));
        await anvil.MineAsync();
        var task = await ReadApi.TaskWhereAsync(http, Ids.TaskId(match.DealId, 0).ToString(), t => t.Status == "Failed", "the deadline");
        Assert.Equal("deadline passed; the requester can claim a refund", task.Reason);
    }
}
