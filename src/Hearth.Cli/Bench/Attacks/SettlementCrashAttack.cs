using Hearth.Chain;
using Hearth.Network;

namespace Hearth.Cli.Bench.Attacks;

/// <summary>
/// The scheduler dies right after it sent a settlement: behind an RPC proxy, its eth_sendRawTransaction reaches anvil (and
/// is mined), the scheduler's host is disposed while the answer is held, and the connection is then cut, so the
/// scheduler never learns the transaction's hash. A scheduler started again on the same database must find the task done
/// on chain and mark it Settled, without sending it again: one TaskSettled event, the worker paid once.
/// </summary>
internal sealed class SettlementCrashAttack : IAttack
{
    public string Name => "settlement-crash";

    public async Task<AttackOutcome> PlayAsync(LocalNetwork net, CancellationToken ct)
    {
        var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var crashing = true;
        await using var proxy = await RpcProxy.StartAsync(net.Chain.RpcUrl, call =>
        {
            if (call.Method == "eth_sendRawTransaction" && Volatile.Read(ref crashing))
            {
                Volatile.Write(ref crashing, false);
                call.AfterForward = async () =>
                {
                    sent.TrySetResult();
                    // Held until the host is gone (or 3 s: an RPC call in flight does not take the host's cancellation, so the host waits for it), then cut: no answer ever reaches the dying scheduler.
                    await Task.WhenAny(stopped.Task, Task.Delay(TimeSpan.FromSeconds(3), CancellationToken.None));
                };
                call.Abort = true;
            }
            return Task.CompletedTask;
        });
        await using var pool = await PrivatePool.StartAsync(net, proxy.Url.ToString(), null, ct);
        var (key, workerClient) = await PrivatePool.FundedKeyAsync(net, Tokens.FromHrth(100), stake: true, ct);
        using var worker = await ScriptedWorker.LoginAsync(new HttpClient { BaseAddress = pool.SchedulerUrl }, key, pool.Pool, pool.Owner.Domain, ct);
        var before = await workerClient.GetAccountAsync(worker.Address, ct);

        var price = Tokens.FromHrth(0.05m);
        var deal = await pool.DealAsync(1, 1, price, ct);
        var assignment = await worker.NextAsync(TimeSpan.FromSeconds(30), ct);
        if (assignment is null)
            return new AttackOutcome(Name, "a staked worker of a pool of its own waited for the assignment of a 1-task deal", "no assignment came within 30 s", false);
        var digest = await ScriptedWorker.UploadResultAsync(net.StorageUrl, "crash result " + Guid.NewGuid(), ct);
        var (reported, _) = await worker.ContributeAsync(assignment, digest, worker.Sign(assignment, digest), ct);

        var sentInTime = await Task.WhenAny(sent.Task, Task.Delay(TimeSpan.FromSeconds(30), ct)) == sent.Task;
        var statusAtCrash = sentInTime ? (await pool.TaskAsync(deal.DealId, 0, ct))?.Status : null;
        pool.ShutdownTimeout = TimeSpan.FromMilliseconds(100);
        var stopClock = System.Diagnostics.Stopwatch.StartNew();
        await pool.StopSchedulerAsync();
        stopped.TrySetResult();
        var stopSeconds = stopClock.Elapsed.TotalSeconds;
        var doneWhileDown = await pool.Owner.IsTaskDoneAsync(deal.DealId, 0, ct);

        pool.ShutdownTimeout = null;
        await pool.StartSchedulerAsync(ct);
        var view = await pool.WaitTaskAsync(deal.DealId, 0, TimeSpan.FromSeconds(30), ct, "Settled", "Failed");
        // A few more settlement rounds: a second send would show here.
        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        var sends = proxy.Seen("eth_sendRawTransaction");
        var events = (await pool.Owner.TasksSettledAsync(deal.DealId, ct)).Count;
        var after = await workerClient.GetAccountAsync(worker.Address, ct);
        var paid = after.Balance - before.Balance;
        var reason = view?.History.LastOrDefault()?.Reason ?? view?.Reason ?? "";
        return new AttackOutcome(Name,
            "a staked worker's contribution reached consensus on a 1-task deal of a pool of its own; the scheduler's settlement transaction was forwarded to the chain (mined) and its answer held; the scheduler's host was disposed (shutdown timeout 100 ms) and the held connection cut after at most 3 s, so the hash never reached the scheduler; a scheduler was then started on the same database",
            $"contribution answered {reported}; settlement sent: {sentInTime} (task {statusAtCrash ?? "?"} at the crash, host stopped in {stopSeconds:0.0} s, task done on chain while down: {doneWhileDown}); after the restart: task {view?.Status ?? "not seen"} (\"{Clip(reason)}\"); transactions sent through the proxy {sends}, TaskSettled events {events}; worker paid {Tokens.Format(paid)} (pool price {Tokens.Format(price)}), stake {Tokens.Format(before.Stake)} → {Tokens.Format(after.Stake)}",
            sentInTime && reported is 200 or 204 && view?.Status == "Settled" && sends == 1 && events == 1 && paid == price && after.Stake == before.Stake);
    }

    internal static string Clip(string text) => text.Length <= 160 ? text : text[..160] + "...";
}
