using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Numerics;
using Hearth.Chain;
using Hearth.Chain.Market;
using Hearth.Network;
using Hearth.Protocol;
using Hearth.Protocol.Orders;
using Hearth.Protocol.WorkerApi;
using Hearth.Scheduler.Api;
using Hearth.Scheduler.Engine;
using Microsoft.Extensions.DependencyInjection;
using Nethereum.Signer;

namespace Hearth.Cli.Bench.Attacks;

/// <summary>
/// Thousands of fresh keys, each with a valid signature, log in to the pool's scheduler from many loopback addresses
/// (so the per-client rate limit is not what stops them): none may become a worker, none may leave a row, and the
/// honest workers stay. Keys: HEARTH_ATTACK_SYBIL_KEYS, else 5,000 (500 when CI is set).
/// </summary>
internal sealed class SybilLoginsAttack : IAttack
{
    /// <summary>Logins per source address: a login is two requests, within the default burst of 200.</summary>
    private const int LoginsPerAddress = 90;

    public string Name => "sybil-logins";

    public async Task<AttackOutcome> PlayAsync(LocalNetwork net, CancellationToken ct)
    {
        var count = KeyCount();
        var pool = net.Workerpool.ToString(CultureInfo.InvariantCulture);
        var baseUrl = new Uri(net.SchedulerUrl + "/");
        using var reader = new HttpClient { BaseAddress = baseUrl };
        var rowsBefore = (await reader.GetFromJsonAsync<List<WorkerView>>("api/workers", ct))!;
        var admission = net.Scheduler.Services.GetRequiredService<WorkerAdmission>();
        var readsBefore = admission.StakeReads;

        var statuses = new ConcurrentDictionary<int, int>();
        var sources = (count + LoginsPerAddress - 1) / LoginsPerAddress;
        var clients = Enumerable.Range(0, sources).Select(i => FromAddress(IPAddress.Parse($"127.0.{1 + i / 250}.{1 + i % 250}"), baseUrl)).ToList();
        try
        {
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < count)
                {
                    var status = await LoginAsync(clients[i / LoginsPerAddress], EthECKey.GenerateKey(), pool, ct);
                    statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                }
            }, ct)));
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }

        var rowsAfter = (await reader.GetFromJsonAsync<List<WorkerView>>("api/workers", ct))!;
        var reads = admission.StakeReads - readsBefore;
        var refused = statuses.GetValueOrDefault(403);
        var seen = string.Join(", ", statuses.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}: {kv.Value}"));
        var honestAlive = net.Workers.All(w => rowsAfter.Any(r => r.Alive && Addresses.AreEqual(r.Address, w.Address)));
        return new AttackOutcome(Name,
            $"{count:N0} fresh, unstaked keys logged in with valid signatures from {sources} loopback addresses",
            $"answers {seen}; worker rows {rowsBefore.Count} before, {rowsAfter.Count} after; {reads:N0} stake read(s) for admission; honest workers alive: {honestAlive}",
            refused == count && rowsAfter.Count == rowsBefore.Count && honestAlive);
    }

    private static int KeyCount()
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("HEARTH_ATTACK_SYBIL_KEYS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0) return n;
        return string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")) ? 5_000 : 500;
    }

    private static async Task<int> LoginAsync(HttpClient http, EthECKey key, string pool, CancellationToken ct)
    {
        var address = key.GetPublicAddress();
        using var c = await http.PostAsJsonAsync("api/workers/challenge", new ChallengeRequest(address), ct);
        if (!c.IsSuccessStatusCode) return (int)c.StatusCode;
        var challenge = (await c.Content.ReadFromJsonAsync<ChallengeResponse>(ct))!.Challenge;
        var signature = new EthereumMessageSigner().EncodeUTF8AndSign(WorkerLogin.Message(pool, challenge), key);
        using var login = await http.PostAsJsonAsync("api/workers/login", new LoginRequest(address, pool, challenge, signature), ct);
        return (int)login.StatusCode;
    }

    /// <summary>A client whose connections leave from <paramref name="local"/> (any 127.x address on Linux).</summary>
    internal static HttpClient FromAddress(IPAddress local, Uri baseUrl) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(local, 0));
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    }) { BaseAddress = baseUrl };
}

/// <summary>
/// A staked worker claims 1,024 slots, then the most the pool allows, takes every assignment it is given and never
/// reports, heart-beating all along and listing them as held. The claim must be refused, and every task of the deal
/// must still be settled, by the honest workers, once the hoarded replicates' leases run out.
/// </summary>
internal sealed class SlotHoardingAttack : IAttack
{
    private const int HoarderAccount = 18;
    private const int Tasks = 16;
    private const uint CategorySeconds = 6;

    public string Name => "slot-hoarding";

    public async Task<AttackOutcome> PlayAsync(LocalNetwork net, CancellationToken ct)
    {
        var hoarder = net.Chain.Client(HoarderAccount);
        await Attacker.FundAsync(net, hoarder, Tokens.FromHrth(100), ct);
        await hoarder.StakeAsync(Tokens.FromHrth(100), ct);
        var key = new EthECKey(net.Chain.Keys[HoarderAccount]);
        var pool = net.Workerpool.ToString(CultureInfo.InvariantCulture);
        using var http = new HttpClient { BaseAddress = new Uri(net.SchedulerUrl + "/") };

        using (var c = await http.PostAsJsonAsync("api/workers/challenge", new ChallengeRequest(hoarder.Address), ct))
        {
            var challenge = (await c.Content.ReadFromJsonAsync<ChallengeResponse>(ct))!.Challenge;
            var signature = new EthereumMessageSigner().EncodeUTF8AndSign(WorkerLogin.Message(pool, challenge), key);
            using var login = await http.PostAsJsonAsync("api/workers/login", new LoginRequest(hoarder.Address, pool, challenge, signature), ct);
            login.EnsureSuccessStatusCode();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await login.Content.ReadFromJsonAsync<LoginResponse>(ct))!.Token);
        }
        HttpStatusCode claimed;
        using (var claim = await http.PostAsJsonAsync("api/workers/heartbeat", new HeartbeatRequest(1_024, 1_024, [], null), ct))
            claimed = claim.StatusCode;
        var slots = 64;
        (await http.PostAsJsonAsync("api/workers/heartbeat", new HeartbeatRequest(slots, slots, [], null), ct)).Dispose();

        var (dealId, category) = await ShortDealAsync(net, ct);
        var requester = net.Chain.Client(DevAccounts.Requester);
        var held = new HashSet<string>(StringComparer.Ordinal);
        var hoarded = new List<Assignment>();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(180);
        var settled = 0;
        while (DateTime.UtcNow < until)
        {
            using (var exchange = await http.PostAsJsonAsync("api/workers/exchange?waitSeconds=1", new ExchangeRequest(null, null, ExchangeLimits.MaxAssignments), ct))
            {
                if (exchange.IsSuccessStatusCode)
                    foreach (var a in (await exchange.Content.ReadFromJsonAsync<ExchangeResponse>(ct))!.Assignments)
                    {
                        hoarded.Add(a);
                        held.Add(a.ReplicateId);
                    }
            }
            // Heart-beats and lists everything it holds, never reporting a stage or a result.
            using (var beat = await http.PostAsJsonAsync("api/workers/heartbeat", new HeartbeatRequest(slots, Math.Max(0, slots - held.Count), [.. held], null), ct))
                if (beat.IsSuccessStatusCode)
                    held.ExceptWith((await beat.Content.ReadFromJsonAsync<HeartbeatResponse>(ct))!.CancelledReplicates);
            settled = (await requester.TasksSettledAsync(dealId, ct)).Count;
            if (settled == Tasks) break;
        }

        var leaseReasons = 0;
        foreach (var a in hoarded)
        {
            var task = await http.GetFromJsonAsync<TaskView>($"api/tasks/{a.TaskId}", ct);
            if (task!.Replicates.Any(r => r.ReplicateId == a.ReplicateId && r.Reason.Contains("lease ran out", StringComparison.Ordinal))) leaseReasons++;
        }
        return new AttackOutcome(Name,
            $"a staked worker claimed 1,024 slots, then {slots}, took every assignment of a {Tasks}-task deal (category {category}: {CategorySeconds} s) it was given and never reported, heart-beating all along",
            $"1,024-slot claim answered {(int)claimed}; {hoarded.Count} replicate(s) hoarded, {leaseReasons} taken back when their lease ran out; {settled} of {Tasks} tasks settled",
            claimed == HttpStatusCode.BadRequest && hoarded.Count > 0 && leaseReasons == hoarded.Count && settled == Tasks);
    }

    /// <summary>A deal of the network's own parties on a sample app, in a category of a few seconds (created by the market owner).</summary>
    private static async Task<(Hash32 DealId, BigInteger Category)> ShortDealAsync(LocalNetwork net, CancellationToken ct)
    {
        var owner = net.Chain.Client(DevAccounts.Deployer);
        var selector = Nethereum.Util.Sha3Keccack.Current.CalculateHash("createCategory(uint32)")[..8];
        await owner.Sender.SendAsync(net.Chain.Deployment.Market, "0x" + selector + CategorySeconds.ToString("x64", CultureInfo.InvariantCulture), "creating a short category", ct);
        BigInteger category = 5;
        while (await owner.CategoryTimeAsync((long)category, ct) != CategorySeconds) category++;

        var requester = net.Chain.Client(DevAccounts.Requester);
        var domain = requester.Domain;
        var app = net.Apps.Single(a => a.Name == "hello-as").Id;
        var salt = Salt.New();
        var appOrder = new AppOrder { App = app, Volume = Tasks, Salt = salt };
        var poolOrder = new WorkerpoolOrder { Workerpool = net.Workerpool, Volume = Tasks, Trust = 10, Category = category, Salt = salt };
        var request = new RequestOrder
        {
            App = app, Workerpool = net.Workerpool, Requester = requester.Address, Volume = Tasks, Trust = 1, Category = category,
            Params = "hoarded", Salt = salt,
        };
        var match = await requester.MatchOrdersAsync(new SignedOrders(
            appOrder, Signatures.Sign(appOrder, domain, new EthECKey(net.Chain.Keys[DevAccounts.AppOwner])),
            DatasetOrder.None, [],
            poolOrder, Signatures.Sign(poolOrder, domain, new EthECKey(net.Chain.Keys[DevAccounts.PoolOwner])),
            request, []), ct);
        return (match.DealId, category);
    }
}
