using System.Numerics;
using Hearth.Chain;
using Hearth.Chain.Market;
using Hearth.Market.Client;
using Hearth.Network;
using Hearth.Network.Requesting;
using Hearth.Protocol.Deals;

namespace Hearth.EndToEnd.Tests;

/// <summary>The whole system on one machine: a requester's deal of 10 tasks at a trust that asks two agreeing
/// workers, two honest workers and one that makes results up.</summary>
public sealed class ReplicatedDealTests
{
    [Fact]
    public async Task Every_task_settles_with_the_honest_digest_the_liar_is_slashed_and_everyone_is_paid_as_priced()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        await using var net = await LocalNetwork.StartAsync(new LocalNetworkOptions { Workers = 2, SlotsPerWorker = 2, Placement = "least-loaded" }, ct);
        var liarAccount = DevAccounts.FirstWorker + 2;
        var liarClient = net.Chain.Client(liarAccount);
        await liarClient.DepositAsync(Tokens.FromHrth(100), ct);
        await liarClient.StakeAsync(Tokens.FromHrth(100), ct);
        await using var liar = new DishonestWorker(net.SchedulerUrl, net.StorageUrl, net.Workerpool.ToString(), net.Chain.Keys[liarAccount], liarClient.Domain);

        var requester = net.Chain.Client(DevAccounts.Requester);
        var parties = new[] { requester.Address, net.Address(DevAccounts.AppOwner), net.Address(DevAccounts.PoolOwner), net.Workers[0].Address, net.Workers[1].Address, liar.Address };
        var before = await AccountsAsync(requester, parties, ct);
        var seizedBefore = await requester.GetSeizedAsync(ct);
        var honestScoresBefore = new[] { await requester.GetScoreAsync(parties[3], net.Workerpool, ct), await requester.GetScoreAsync(parties[4], net.Workerpool, ct) };
        Assert.Equal([0L, 0L], honestScoresBefore);

        var session = new RequesterSession(requester, new MarketClient(new HttpClient { BaseAddress = new Uri(net.MarketUrl + "/") }));
        var request = new RunRequest { App = net.Apps.Single(a => a.Name == "montecarlo").Id, Volume = 10, Trust = 2, Params = "20000 7" };
        var choice = await session.ChooseAsync(request, ct);
        var match = await session.MatchAsync(request, choice, ct);
        var progress = await session.FollowAsync(match.DealId, match.Deal, null, ct);

        Assert.Equal(10, progress.Settled.Count);
        Assert.Empty(progress.Refunded);
        Assert.True(liar.Contributions > 0, "the dishonest worker was given work");

        // The app is deterministic with the same arguments: every honest run gives the same archive.
        var results = await session.DownloadAsync(match.DealId, Path.Combine(net.DataFolder, "results"), ct);
        Assert.Equal(10, results.Count);
        Assert.Single(results.Select(r => r.Digest).Distinct());
        Assert.All(results, r => Assert.True(File.Exists(Path.Combine(r.Folder, "result.json")), "the montecarlo result is in the archive"));

        var after = await AccountsAsync(requester, parties, ct);
        var d = match.Deal;
        var cut = d.PoolPrice * d.SchedulerShare / 100;
        Assert.Equal(before[0].Balance - 10 * d.TaskPrice, after[0].Balance);
        Assert.Equal(before[0].Locked, after[0].Locked);
        Assert.Equal(before[1].Balance + 10 * d.AppPrice, after[1].Balance);
        Assert.Equal(before[2].Locked, after[2].Locked);

        var slashed = before[5].Stake - after[5].Stake;
        Assert.True(slashed > 0 && slashed % d.WorkerStake == 0, $"the liar lost a whole number of worker stakes ({slashed})");
        Assert.Equal(before[5].Balance, after[5].Balance);
        // The slashed stake goes to nobody: it is seized, so no party profits from a failure.
        Assert.Equal(seizedBefore + slashed, await requester.GetSeizedAsync(ct));

        // Trust 2 asks two agreeing workers and the liar never agrees, so both honest workers agree on every task. Their
        // scores stay below 12 in this deal, so each weighs 2: one share each (floor(log2(2))), the rounding to the pool owner.
        var reward = d.PoolPrice - cut;
        var split = ConsensusRule.SplitReward(reward, [ConsensusRule.Weight(0), ConsensusRule.Weight(0)]);
        Assert.Equal(before[3].Balance + 10 * split[0], after[3].Balance);
        Assert.Equal(before[4].Balance + 10 * split[1], after[4].Balance);
        Assert.Equal(before[2].Balance + 10 * (cut + reward - split[0] - split[1]), after[2].Balance);
        Assert.Equal(10 * d.PoolPrice, after[2].Balance - before[2].Balance + (after[3].Balance - before[3].Balance) + (after[4].Balance - before[4].Balance));
        // Reputation in this pool: one point per agreeing, paid, replicated contribution.
        Assert.Equal(10, await requester.GetScoreAsync(parties[3], net.Workerpool, ct));
        Assert.Equal(10, await requester.GetScoreAsync(parties[4], net.Workerpool, ct));
        Assert.Equal(0, await requester.GetScoreAsync(liar.Address, net.Workerpool, ct));
    }

    private static async Task<List<EscrowAccount>> AccountsAsync(HearthClient client, IEnumerable<string> addresses, CancellationToken ct)
    {
        var accounts = new List<EscrowAccount>();
        foreach (var a in addresses) accounts.Add(await client.GetAccountAsync(a, ct));
        return accounts;
    }
}
