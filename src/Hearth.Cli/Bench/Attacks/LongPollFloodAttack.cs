using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Hearth.Chain;
using Hearth.Market.Client;
using Hearth.Network;
using Hearth.Network.Requesting;
using Hearth.Protocol.WorkerApi;
using Hearth.Scheduler.Api;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Cli.Bench.Attacks;

/// <summary>
/// One worker token holds 2,000 long-polls at once (500 when CI is set): POST /api/workers/exchange?waitSeconds=N, each
/// on its own connection. Each used to wait its N seconds asking for placement every second. At most one may still be
/// waiting (a new wait of a worker replaces its earlier one, which returns at once with nothing) or they are refused
/// (429); none may fail with 5xx; meanwhile a deal on the network must be settled by the honest workers.
/// </summary>
internal sealed class LongPollFloodAttack : IAttack
{
    public string Name => "long-poll-flood";

    private static bool Ci => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    public async Task<AttackOutcome> PlayAsync(LocalNetwork net, CancellationToken ct)
    {
        var polls = Ci ? 500 : 2_000;
        var wait = Ci ? 10 : 20;
        var baseUrl = new Uri(net.SchedulerUrl + "/");
        var (key, _) = await PrivatePool.FundedKeyAsync(net, Tokens.FromHrth(10), stake: true, ct);
        var requester = net.Chain.Client(DevAccounts.Requester);
        using var flooder = await ScriptedWorker.LoginAsync(SybilLoginsAttack.FromAddress(IPAddress.Parse("127.0.0.3"), baseUrl), key, net.Workerpool, requester.Domain, ct);
        var longPolls = net.Scheduler.Services.GetRequiredService<LongPolls>();

        // The honest side: a deal for the network's workers, followed while the flood holds.
        await Attacker.FundAsync(net, requester, Tokens.FromHrth(10), ct);
        using var marketHttp = new HttpClient { BaseAddress = new Uri(net.MarketUrl + "/") };
        var session = new RequesterSession(requester, new MarketClient(marketHttp)) { PollInterval = TimeSpan.FromMilliseconds(50) };
        var app = net.Apps.Single(a => a.Name == "hello-as").Id;
        var request = new RunRequest { App = app, Volume = 2, Trust = 1, Params = "long-poll flood" };

        var statuses = new ConcurrentDictionary<string, int>();
        var held = 0;
        var clock = Stopwatch.StartNew();
        var flood = Task.WhenAll(Enumerable.Range(0, polls).Select(_ => Task.Run(async () =>
        {
            var started = clock.Elapsed;
            string outcome;
            try
            {
                using var r = await flooder.Http.PostAsJsonAsync($"api/workers/exchange?waitSeconds={wait}", new ExchangeRequest(null, null, 1), ct);
                var seconds = (clock.Elapsed - started).TotalSeconds;
                if (r.StatusCode == HttpStatusCode.OK && seconds >= wait - 1) Interlocked.Increment(ref held);
                outcome = r.StatusCode == HttpStatusCode.OK ? (seconds >= wait - 1 ? "200 after the full wait" : "200 cut short") : ((int)r.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (HttpRequestException e)
            {
                outcome = "no answer: " + e.Message;
            }
            statuses.AddOrUpdate(outcome, 1, (_, n) => n + 1);
        }, ct)));

        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        var waitingDuring = longPolls.Count;
        var probe = Stopwatch.StartNew();
        using var reader = new HttpClient { BaseAddress = baseUrl };
        var rows = (await reader.GetFromJsonAsync<List<WorkerView>>("api/workers", ct))!;
        var readMs = probe.ElapsedMilliseconds;
        var match = await session.MatchAsync(request, await session.ChooseAsync(request, ct), ct);
        using var follow = CancellationTokenSource.CreateLinkedTokenSource(ct);
        follow.CancelAfter(TimeSpan.FromSeconds(60));
        var settled = 0;
        double? dealSeconds = null;
        try
        {
            var progress = await session.FollowAsync(match.DealId, match.Deal, null, follow.Token);
            settled = progress.Settled.Count;
            dealSeconds = clock.Elapsed.TotalSeconds;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }
        await flood;

        var seen = string.Join(", ", statuses.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}: {kv.Value}"));
        var bad = statuses.Where(kv => kv.Key.StartsWith("no answer", StringComparison.Ordinal) || kv.Key.StartsWith('5')).Sum(kv => kv.Value);
        var workersAlive = net.Workers.All(w => rows.Any(r => r.Alive && Hearth.Protocol.Addresses.AreEqual(r.Address, w.Address)));
        return new AttackOutcome(Name,
            $"{polls:N0} concurrent exchanges with waitSeconds={wait} on one worker token (a staked key that never heart-beats), while a 2-task deal ran on the network",
            $"answers {seen}; long-polls waiting 1 s in: {waitingDuring} (peak since start {longPolls.Peak}); /api/workers answered in {readMs} ms with the network's workers alive: {workersAlive}; the deal: {settled} of 2 tasks settled{(dealSeconds is { } s ? $" by {s:0.0} s" : "")}",
            bad == 0 && held <= 1 && settled == 2 && workersAlive);
    }
}
