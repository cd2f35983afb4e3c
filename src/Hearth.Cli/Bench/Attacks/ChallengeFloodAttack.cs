using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Hearth.Chain;
using Hearth.Network;
using Hearth.Protocol.WorkerApi;
using Hearth.Scheduler.Api;
using Nethereum.Signer;

namespace Hearth.Cli.Bench.Attacks;

/// <summary>
/// 10,001 anonymous login challenges (2,001 when CI is set) asked of the pool's scheduler from one address, 32 at a time,
/// each for a fresh address. It used to keep every challenge, until the store was full and every login failed with 500.
/// The flood may be answered 429 (a token bucket per client address), never 5xx; a staked worker logging in from another
/// loopback address must succeed while the flooding address is still limited, and the network's workers stay alive.
/// </summary>
internal sealed class ChallengeFloodAttack : IAttack
{
    public string Name => "challenge-flood";

    private static int Requests => string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")) ? 10_001 : 2_001;

    public async Task<AttackOutcome> PlayAsync(LocalNetwork net, CancellationToken ct)
    {
        var count = Requests;
        var baseUrl = new Uri(net.SchedulerUrl + "/");
        using var flooder = SybilLoginsAttack.FromAddress(IPAddress.Parse("127.0.0.1"), baseUrl);
        var statuses = new ConcurrentDictionary<int, int>();
        var clock = Stopwatch.StartNew();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) < count)
            {
                int status;
                try
                {
                    using var r = await flooder.PostAsJsonAsync("api/workers/challenge", new ChallengeRequest(EthECKey.GenerateKey().GetPublicAddress()), ct);
                    status = (int)r.StatusCode;
                }
                catch (HttpRequestException)
                {
                    status = 0; // no answer at all
                }
                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            }
        }, ct)));
        var floodSeconds = clock.Elapsed.TotalSeconds;

        // Still limited where the flood came from?
        using var again = await flooder.PostAsJsonAsync("api/workers/challenge", new ChallengeRequest(EthECKey.GenerateKey().GetPublicAddress()), ct);
        var retryAfter = again.Headers.RetryAfter?.Delta?.TotalSeconds;

        var (key, _) = await PrivatePool.FundedKeyAsync(net, Tokens.FromHrth(10), stake: true, ct);
        string honest;
        var loggedIn = false;
        try
        {
            using var worker = await ScriptedWorker.LoginAsync(SybilLoginsAttack.FromAddress(IPAddress.Parse("127.0.0.2"), baseUrl), key, net.Workerpool, net.Chain.Client(DevAccounts.Requester).Domain, ct);
            loggedIn = true;
            honest = "logged in (no heartbeat: it is to take no work)";
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException)
        {
            honest = $"refused: {e.Message}";
        }

        using var reader = new HttpClient { BaseAddress = baseUrl };
        var rows = (await reader.GetFromJsonAsync<List<WorkerView>>("api/workers", ct))!;
        var workersAlive = net.Workers.All(w => rows.Any(r => r.Alive && Hearth.Protocol.Addresses.AreEqual(r.Address, w.Address)));
        var seen = string.Join(", ", statuses.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}: {kv.Value}"));
        var bad = statuses.Where(kv => kv.Key is 0 or >= 500).Sum(kv => kv.Value);
        return new AttackOutcome(Name,
            $"{count:N0} anonymous challenge requests for fresh addresses from 127.0.0.1, 32 at a time; then a staked worker logged in from 127.0.0.2",
            $"answers {seen} in {floodSeconds:0.0} s; the flooding address then answered {(int)again.StatusCode} (Retry-After {retryAfter?.ToString("0") ?? "none"} s); the honest worker {honest}; the network's workers alive: {workersAlive}",
            bad == 0 && statuses.GetValueOrDefault(429) > 0 && loggedIn && workersAlive);
    }
}
