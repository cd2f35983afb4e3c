using System.Diagnostics;
using Hearth.Chain;
using Hearth.Chain.Anvil;
using Hearth.Network;

namespace Hearth.Cli.Bench.Attacks;

/// <summary>
/// A mined settlement is taken away by a reorganisation: a snapshot of the chain is taken after the deal and before the
/// contribution, the scheduler settles the task (mined, Settled), then the chain goes back to the snapshot (evm_revert:
/// every later block disappears, the settlement transaction with them; it is not put back in the pool) and grows again
/// past the old head. The task is then not done on chain. The scheduler must notice and settle it again (once), before
/// the deal's deadline; a scheduler that never looks again at a Settled task leaves the requester's price locked and the
/// worker unpaid until the requester claims a refund and the pool's stake is seized. Waits 20 s (15 s when CI is set).
/// </summary>
internal sealed class ReorgAttack : IAttack
{
    public string Name => "reorg";

    private static TimeSpan Watch => string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")) ? TimeSpan.FromSeconds(20) : TimeSpan.FromSeconds(15);

    public async Task<AttackOutcome> PlayAsync(LocalNetwork net, CancellationToken ct)
    {
        await using var pool = await PrivatePool.StartAsync(net, null, null, ct);
        var (key, workerClient) = await PrivatePool.FundedKeyAsync(net, Tokens.FromHrth(100), stake: true, ct);
        using var worker = await ScriptedWorker.LoginAsync(new HttpClient { BaseAddress = pool.SchedulerUrl }, key, pool.Pool, pool.Owner.Domain, ct);
        var before = await workerClient.GetAccountAsync(worker.Address, ct);
        var anvil = new AnvilControl(net.Chain.RpcUrl);

        var price = Tokens.FromHrth(0.05m);
        var deal = await pool.DealAsync(1, 1, price, ct);
        var assignment = await worker.NextAsync(TimeSpan.FromSeconds(30), ct);
        if (assignment is null)
            return new AttackOutcome(Name, "a staked worker of a pool of its own waited for the assignment of a 1-task deal", "no assignment came within 30 s", false);
        var digest = await ScriptedWorker.UploadResultAsync(net.StorageUrl, "reorg result " + Guid.NewGuid(), ct);
        var snapshot = await anvil.SnapshotAsync(ct);
        var forkBlock = await pool.Owner.BlockNumberAsync(ct);
        var (reported, _) = await worker.ContributeAsync(assignment, digest, worker.Sign(assignment, digest), ct);
        var settled = await pool.WaitTaskAsync(deal.DealId, 0, TimeSpan.FromSeconds(30), ct, "Settled", "Failed");
        if (settled?.Status != "Settled")
            return new AttackOutcome(Name, "a 1-task deal's contribution reported on a pool of its own", $"the task was not settled before the reorganisation: {settled?.Status ?? "not seen"}", false);
        var firstTx = settled.SettlementTx;
        var headBefore = await pool.Owner.BlockNumberAsync(ct);

        await anvil.RevertAsync(snapshot, ct);
        await anvil.MineAsync((int)(headBefore - forkBlock) + 3, ct);
        var doneAfterReorg = await pool.Owner.IsTaskDoneAsync(deal.DealId, 0, ct);

        var clock = Stopwatch.StartNew();
        var doneAgain = false;
        var view = settled;
        while (clock.Elapsed < Watch && !doneAgain)
        {
            await Task.Delay(500, ct);
            doneAgain = await pool.Owner.IsTaskDoneAsync(deal.DealId, 0, ct);
            view = await pool.TaskAsync(deal.DealId, 0, ct) ?? view;
        }
        var noticedAt = clock.Elapsed.TotalSeconds;
        var events = (await pool.Owner.TasksSettledAsync(deal.DealId, ct)).Count;
        var after = await workerClient.GetAccountAsync(worker.Address, ct);
        var paid = after.Balance - before.Balance;
        var requester = await pool.Owner.GetAccountAsync(pool.Owner.Address, ct);
        var history = string.Join(" → ", view.History.Select(h => h.To));
        // A resend stuck behind a nonce gap shows as a pending nonce above the mined one.
        var web3 = new Nethereum.Web3.Web3(net.Chain.RpcUrl);
        var minedNonce = (await web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(pool.SchedulerAddress, Nethereum.RPC.Eth.DTOs.BlockParameter.CreateLatest())).Value;
        var pendingNonce = (await web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(pool.SchedulerAddress, Nethereum.RPC.Eth.DTOs.BlockParameter.CreatePending())).Value;
        var pendingTxs = (await web3.Client.SendRequestAsync<Newtonsoft.Json.Linq.JObject>(new Nethereum.JsonRpc.Client.RpcRequest(1, "txpool_content")))?["queued"]?[pool.SchedulerAddress.ToLowerInvariant()]?.Children().Count()
            ?? (await web3.Client.SendRequestAsync<Newtonsoft.Json.Linq.JObject>(new Nethereum.JsonRpc.Client.RpcRequest(2, "txpool_content")))?["queued"]?.Children().Count() ?? 0;
        var stuck = $"the scheduler's nonce on chain {minedNonce}, pending {pendingNonce}, {pendingTxs} of its transaction(s) queued in the node";
        return new AttackOutcome(Name,
            $"a staked worker's contribution to a 1-task deal of a pool of its own was settled (transaction {Short(firstTx)}, head block {headBefore}); the chain was then reverted to block {forkBlock} (evm_revert, the settlement's blocks gone) and {headBefore - forkBlock + 3} empty blocks mined",
            doneAgain
                ? $"contribution answered {reported}; task done on chain after the reorganisation: {doneAfterReorg}; settled again on chain {noticedAt:0.0} s later (transaction {Short(view.SettlementTx)}); scheduler: {view.Status} ({history}); TaskSettled events {events}; worker paid {Tokens.Format(paid)} (pool price {Tokens.Format(price)})"
                : $"contribution answered {reported}; task done on chain after the reorganisation: {doneAfterReorg}; {Watch.TotalSeconds:0} s later still not done on chain, while the scheduler shows it {view.Status} (transaction {Short(view.SettlementTx)}, which no longer exists; {history}): {(view.Status == "Settled" ? "Settled tasks are never checked against the chain again, so the settlement is lost" : "the scheduler saw the reorganisation but its new settlement is not mined")} ({stuck}); the requester's price stays locked ({Tokens.Format(requester.Locked)} locked) and the worker unpaid (paid {Tokens.Format(paid)}) until a refund claim after the deadline seizes the pool's stake",
            reported is 200 or 204 && !doneAfterReorg && doneAgain && events == 1 && paid == price);
    }

    private static string Short(string? hash) => hash is null ? "none" : hash.Length > 12 ? hash[..12] + "…" : hash;
}
