using System.Text.Json;
using Hearth.Market.Client;
using Hearth.Network;
using Hearth.Network.Requesting;
using Hearth.Protocol;

namespace Hearth.Cli.Bench.Attacks;

/// <summary>
/// A worker that wants to be counted without computing reads the scheduler's public read API while a replicated deal
/// runs, looking for another worker's digest to sign. Every body read before a task is settled is kept; once the deal
/// is settled, none of them may contain any of the digests the chain certified.
/// </summary>
internal sealed class ResultCopyingAttack : IAttack
{
    private const int Tasks = 6;

    public string Name => "result-copying";

    public async Task<AttackOutcome> PlayAsync(LocalNetwork net, CancellationToken ct)
    {
        var requester = net.Chain.Client(DevAccounts.Requester);
        await Attacker.FundAsync(net, requester, Hearth.Chain.Tokens.FromHrth(100), ct);
        using var marketHttp = new HttpClient { BaseAddress = new Uri(net.MarketUrl + "/") };
        var session = new RequesterSession(requester, new MarketClient(marketHttp)) { PollInterval = TimeSpan.FromMilliseconds(50) };
        var app = net.Apps.Single(a => a.Name == "hello-as").Id;
        var request = new RunRequest { App = app, Volume = Tasks, Trust = 3, Params = "copy me" };
        var match = await session.MatchAsync(request, await session.ChooseAsync(request, ct), ct);

        using var reader = new HttpClient { BaseAddress = new Uri(net.SchedulerUrl + "/") };
        var unsettledBodies = new List<string>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var spying = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                for (var i = 0; i < Tasks; i++)
                {
                    var body = await TryGetAsync(reader, $"api/tasks/{Ids.TaskId(match.DealId, i)}", stop.Token);
                    if (body is not null && !IsSettled(body)) lock (unsettledBodies) unsettledBodies.Add(body);
                }
                var deal = await TryGetAsync(reader, $"api/deals/{match.DealId}", stop.Token);
                if (deal is not null) lock (unsettledBodies) unsettledBodies.Add(deal);
                await Task.Delay(20, CancellationToken.None);
            }
        }, CancellationToken.None);
        var progress = await session.FollowAsync(match.DealId, match.Deal, null, ct);
        await stop.CancelAsync();
        await spying;

        var certified = (await requester.TasksSettledAsync(match.DealId, ct)).Select(e => Convert.ToHexStringLower(e.Digest)).ToList();
        int leaks;
        lock (unsettledBodies) leaks = unsettledBodies.Count(b => certified.Any(d => b.Contains(d, StringComparison.OrdinalIgnoreCase)));
        return new AttackOutcome(Name,
            $"read the scheduler's public task and deal pages every 20 ms while a trust-3 deal of {Tasks} tasks ran ({unsettledBodies.Count} reads before settlement)",
            $"{progress.Settled.Count} of {Tasks} tasks settled; {leaks} read(s) before settlement showed a certified digest",
            progress.Settled.Count == Tasks && leaks == 0 && unsettledBodies.Count > 0);
    }

    private static async Task<string?> TryGetAsync(HttpClient http, string path, CancellationToken ct)
    {
        try
        {
            using var response = await http.GetAsync(path, ct);
            return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync(ct) : null;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            return null;
        }
    }

    private static bool IsSettled(string taskBody)
    {
        using var doc = JsonDocument.Parse(taskBody);
        return doc.RootElement.TryGetProperty("status", out var status) && status.GetString() == "Settled";
    }
}
