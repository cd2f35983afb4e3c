using Hearth.Chain;
using Hearth.Network;

namespace Hearth.Cli.Bench.Attacks;

/// <summary>
/// A worker reports its contribution with the high-s twin of its signature (s replaced by n − s): off chain it recovers
/// the same key, but the contract's compact form would recover another address, so a settlement carrying it would be
/// refused or count a stranger. The exchange must refuse it with 400 saying why; the same worker's honest (low-s)
/// signature must then be accepted and settled, and its stake must be untouched.
/// </summary>
internal sealed class HighSContributionAttack : IAttack
{
    public string Name => "high-s-contribution";

    public async Task<AttackOutcome> PlayAsync(LocalNetwork net, CancellationToken ct)
    {
        await using var pool = await PrivatePool.StartAsync(net, null, null, ct);
        var (key, workerClient) = await PrivatePool.FundedKeyAsync(net, Tokens.FromHrth(100), stake: true, ct);
        using var worker = await ScriptedWorker.LoginAsync(new HttpClient { BaseAddress = pool.SchedulerUrl }, key, pool.Pool, pool.Owner.Domain, ct);
        var before = await workerClient.GetAccountAsync(worker.Address, ct);

        var price = Tokens.FromHrth(0.05m);
        var deal = await pool.DealAsync(1, 1, price, ct);
        var assignment = await worker.NextAsync(TimeSpan.FromSeconds(30), ct);
        if (assignment is null)
            return new AttackOutcome(Name, "a staked worker of a pool of its own waited for the assignment of a 1-task deal", "no assignment came within 30 s", false);

        var digest = await ScriptedWorker.UploadResultAsync(net.StorageUrl, "high-s result " + Guid.NewGuid(), ct);
        var honest = worker.Sign(assignment, digest);
        var malleated = ScriptedWorker.HighS(honest);
        var (highStatus, highBody) = await worker.ContributeAsync(assignment, digest, malleated, ct);
        var (lowStatus, _) = await worker.ContributeAsync(assignment, digest, honest, ct);
        var view = await pool.WaitTaskAsync(deal.DealId, 0, TimeSpan.FromSeconds(40), ct, "Settled", "Failed");

        var settledOnChain = (await pool.Owner.TasksSettledAsync(deal.DealId, ct)).Count;
        var after = await workerClient.GetAccountAsync(worker.Address, ct);
        var paid = after.Balance - before.Balance;
        var reason = ProblemDetail(highBody);
        return new AttackOutcome(Name,
            $"a staked worker reported its contribution to a 1-task deal with the high-s twin of its signature (s > n/2: {ScriptedWorker.IsHighS(malleated)}), then with its low-s signature",
            $"high-s answered {highStatus} (\"{reason}\"); low-s answered {lowStatus}; task {view?.Status ?? "not seen"}, {settledOnChain} TaskSettled event(s); worker stake {Tokens.Format(before.Stake)} → {Tokens.Format(after.Stake)}, paid {Tokens.Format(paid)} (pool price {Tokens.Format(price)})",
            highStatus == 400 && lowStatus is 200 or 204 && view?.Status == "Settled" && settledOnChain == 1 && after.Stake == before.Stake && paid == price);
    }

    internal static string ProblemDetail(string body)
    {
        try
        {
            var detail = (string?)System.Text.Json.Nodes.JsonNode.Parse(body)?["detail"];
            return detail ?? body;
        }
        catch (System.Text.Json.JsonException)
        {
            return body.Length > 200 ? body[..200] : body;
        }
    }
}
