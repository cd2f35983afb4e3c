using Hearth.Market.Client;
using Hearth.Network;
using Hearth.Network.Requesting;
using Hearth.Protocol;
using Hearth.Storage;
using Hearth.Storage.Client;

namespace Hearth.Cli.Bench.Attacks;

/// <summary>
/// The result storage goes down in the middle of a replicated deal on the two-worker pool, and comes back a few seconds
/// later. Reports that arrive meanwhile cannot be checked: they must be answered "not now" (503) and kept by their
/// workers, not refused nor accepted unchecked. Every task must settle, and every certified digest must be in storage.
/// </summary>
internal sealed class StorageOutageAttack : IAttack
{
    private const int Tasks = 4;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(3);

    public string Name => "storage-outage";

    public async Task<AttackOutcome> PlayAsync(LocalNetwork net, CancellationToken ct)
    {
        var requester = net.Chain.Client(DevAccounts.Requester);
        await Attacker.FundAsync(net, requester, Hearth.Chain.Tokens.FromHrth(100), ct);
        using var marketHttp = new HttpClient { BaseAddress = new Uri(net.MarketUrl + "/") };
        var session = new RequesterSession(requester, new MarketClient(marketHttp)) { PollInterval = TimeSpan.FromMilliseconds(50) };
        var app = net.Apps.Single(a => a.Name == "hello-as").Id;
        var request = new RunRequest { App = app, Volume = Tasks, Trust = 2, Params = "storage outage" };
        var match = await session.MatchAsync(request, await session.ChooseAsync(request, ct), ct);

        // Down as soon as the first result is reported: the others are being uploaded or reported.
        using var reader = new HttpClient { BaseAddress = new Uri(net.SchedulerUrl + "/") };
        using var waitLimit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        waitLimit.CancelAfter(TimeSpan.FromSeconds(30));
        var firstReported = false;
        while (!firstReported && !waitLimit.IsCancellationRequested)
        {
            for (var i = 0; i < Tasks && !firstReported; i++)
                firstReported = await BodyAsync(reader, $"api/tasks/{Ids.TaskId(match.DealId, i)}", ct) is { } body && body.Contains("\"Contributed\"", StringComparison.Ordinal);
            if (!firstReported) await Task.Delay(10, CancellationToken.None);
        }
        await net.StopStorageAsync();
        try
        {
            await Task.Delay(Outage, ct);
        }
        finally
        {
            await net.StartStorageAsync(ct);
        }

        using var follow = CancellationTokenSource.CreateLinkedTokenSource(ct);
        follow.CancelAfter(TimeSpan.FromSeconds(50));
        DealProgress progress;
        try
        {
            progress = await session.FollowAsync(match.DealId, match.Deal, null, follow.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new AttackOutcome(Name, Done(firstReported), "the deal did not finish within 50 s of the storage's return", false);
        }
        var storage = new StorageClient(StorageClient.CreateHttpClient(new Uri(net.StorageUrl + "/")));
        var certified = progress.Settled.Values.Select(d => BlobAddress.FromHash(d.Span)).ToList();
        var stored = await storage.WhichExistAsync(certified, ct);
        var missing = certified.Count(d => !stored.Contains(d));
        return new AttackOutcome(Name, Done(firstReported),
            $"{progress.Settled.Count} of {Tasks} tasks settled, {progress.Refunded.Count} refunded; {missing} certified result(s) missing from storage",
            progress.Settled.Count == Tasks && missing == 0);
    }

    private static string Done(bool onReport) =>
        $"stopped the result storage for {Outage.TotalSeconds:0} s {(onReport ? "as the first result of" : "30 s into")} a trust-2 deal of {Tasks} tasks on the two-worker pool, then started it again";

    private static async Task<string?> BodyAsync(HttpClient http, string path, CancellationToken ct)
    {
        try
        {
            using var response = await http.GetAsync(path, ct);
            return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync(ct) : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
