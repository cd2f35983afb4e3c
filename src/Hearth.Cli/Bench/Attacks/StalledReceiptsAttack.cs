using System.Diagnostics;
using Hearth.Chain;
using Hearth.Network;

namespace Hearth.Cli.Bench.Attacks;

/// <summary>
/// The scheduler's node stops giving receipts: behind an RPC proxy, every eth_getTransactionReceipt is answered null (not
/// mined yet) for a while from the moment the scheduler sends its settlement, though the transaction is mined at once —
/// an overloaded or lagging provider. The scheduler must neither fail the task nor settle it twice: it waits for the
/// receipt up to its resend time, then reconciles with the chain (isTaskDone), or takes the receipt when it comes back.
/// One TaskSettled event, one transaction mined (its fee-bumped replacements on the same nonce are refused by the node),
/// the worker paid once. Stall: 150 s, 20 s when CI is set.
/// </summary>
internal sealed class StalledReceiptsAttack : IAttack
{
    public string Name => "stalled-receipts";

    private static TimeSpan Stall => string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")) ? TimeSpan.FromSeconds(150) : TimeSpan.FromSeconds(20);

    public async Task<AttackOutcome> PlayAsync(LocalNetwork net, CancellationToken ct)
    {
        var stall = Stall;
        long stallUntil = 0; // Environment.TickCount64 after which receipts are given again; 0 before the settlement is sent
        var withheld = 0;
        await using var proxy = await RpcProxy.StartAsync(net.Chain.RpcUrl, call =>
        {
            if (call.Method == "eth_sendRawTransaction") Interlocked.CompareExchange(ref stallUntil, Environment.TickCount64 + (long)stall.TotalMilliseconds, 0);
            else if (call.Method == "eth_getTransactionReceipt" && Environment.TickCount64 < Interlocked.Read(ref stallUntil))
            {
                Interlocked.Increment(ref withheld);
                call.Answer(null);
            }
            return Task.CompletedTask;
        });
        await using var pool = await PrivatePool.StartAsync(net, proxy.Url.ToString(), null, ct);
        var (key, workerClient) = await PrivatePool.FundedKeyAsync(net, Tokens.FromHrth(100), stake: true, ct);
        using var worker = await ScriptedWorker.LoginAsync(new HttpClient { BaseAddress = pool.SchedulerUrl }, key, pool.Pool, pool.Owner.Domain, ct);
        var before = await workerClient.GetAccountAsync(worker.Address, ct);
        var rpc = new Nethereum.Web3.Web3(net.Chain.RpcUrl).Eth.Transactions.GetTransactionCount;
        var nonceBefore = (await rpc.SendRequestAsync(pool.SchedulerAddress)).Value;

        var price = Tokens.FromHrth(0.05m);
        var deal = await pool.DealAsync(1, 1, price, ct);
        var assignment = await worker.NextAsync(TimeSpan.FromSeconds(30), ct);
        if (assignment is null)
            return new AttackOutcome(Name, "a staked worker of a pool of its own waited for the assignment of a 1-task deal", "no assignment came within 30 s", false);
        var digest = await ScriptedWorker.UploadResultAsync(net.StorageUrl, "stalled result " + Guid.NewGuid(), ct);
        var (reported, _) = await worker.ContributeAsync(assignment, digest, worker.Sign(assignment, digest), ct);

        var clock = Stopwatch.StartNew();
        var limit = stall + TimeSpan.FromSeconds(60);
        var doneOnChainAt = (double?)null;
        var sawFailed = false;
        Scheduler.Api.TaskView? view = null;
        while (clock.Elapsed < limit)
        {
            view = await pool.TaskAsync(deal.DealId, 0, ct) ?? view;
            sawFailed |= view?.Status == "Failed";
            doneOnChainAt ??= await pool.Owner.IsTaskDoneAsync(deal.DealId, 0, ct) ? clock.Elapsed.TotalSeconds : null;
            if (view?.Status == "Settled") break;
            await Task.Delay(500, ct);
        }
        var settledAt = clock.Elapsed.TotalSeconds;
        var stalledFor = Interlocked.Read(ref stallUntil) == 0 ? "never stalled (no settlement sent)" : $"{stall.TotalSeconds:0} s";
        // A few more seconds: a resend after the receipts came back would show here.
        if (view?.Status == "Settled" && clock.Elapsed < stall + TimeSpan.FromSeconds(5)) await Task.Delay(stall + TimeSpan.FromSeconds(5) - clock.Elapsed, ct);
        // Sending again at a higher fee on the same nonce while the receipt is withheld is what a scheduler should do;
        // the node refuses the replacement of a mined transaction. What counts is how many of its transactions were mined.
        var sends = proxy.Seen("eth_sendRawTransaction");
        var mined = (await rpc.SendRequestAsync(pool.SchedulerAddress)).Value - nonceBefore;
        var events = (await pool.Owner.TasksSettledAsync(deal.DealId, ct)).Count;
        var after = await workerClient.GetAccountAsync(worker.Address, ct);
        var paid = after.Balance - before.Balance;
        view = await pool.TaskAsync(deal.DealId, 0, ct) ?? view;
        var path = string.Join(" → ", view?.History.Select(h => h.To) ?? []);
        var reason = view?.History.LastOrDefault()?.Reason ?? "";
        return new AttackOutcome(Name,
            $"a staked worker's contribution reached consensus on a 1-task deal of a pool of its own whose scheduler's RPC answered every eth_getTransactionReceipt with null for {stalledFor} after the settlement was sent (mined at once)",
            $"contribution answered {reported}; {withheld} receipt request(s) withheld; task done on chain {doneOnChainAt:0.0} s after the report; task {view?.Status ?? "not seen"} at {settledAt:0.0} s (\"{SettlementCrashAttack.Clip(reason)}\"; {path}); transactions mined {mined} (sent {sends}, replacements on the same nonce included), TaskSettled events {events}; worker paid {Tokens.Format(paid)} (pool price {Tokens.Format(price)})",
            reported is 200 or 204 && view?.Status == "Settled" && !sawFailed && mined == 1 && events == 1 && paid == price && after.Stake == before.Stake);
    }
}
