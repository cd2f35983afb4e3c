using System.Numerics;
using Hearth.Chain;
using Hearth.Chain.Market;
using Hearth.Market.Client;
using Hearth.Network;
using Hearth.Network.Requesting;

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
        var poolSide = after[2].Balance - before[2].Balance + (after[3].Balance - before[3].Balance) + (after[4].Balance - before[4].Balance);
        Assert.Equal(10 * d.PoolPrice + slashed, poolSide);
        Assert.True(after[2].Balance - before[2].Balance >= 10 * cut);
        Assert.True(after[3].Score > before[3].Score && after[4].Score > before[4].Score, "honest workers gained reputation");
    }

    private static async Task<List<EscrowAccount>> AccountsAsync(HearthClient client, IEnumerable<string> addresses, CancellationToken ct)
    {
        var accounts = new List<EscrowAccount>();
        foreach (var a in addresses) accounts.Add(await client.GetAccountAsync(a, ct));
        return accounts;
    }
}
