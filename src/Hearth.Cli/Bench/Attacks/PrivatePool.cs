using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Numerics;
using System.Text;
using Hearth.Chain;
using Hearth.Chain.Anvil;
using Hearth.Chain.Market;
using Hearth.Network;
using Hearth.Protocol;
using Hearth.Protocol.Deals;
using Hearth.Protocol.Orders;
using Hearth.Protocol.WorkerApi;
using Hearth.Scheduler;
using Hearth.Scheduler.Api;
using Hearth.Scheduler.Hosting;
using Hearth.Storage;
using Hearth.Storage.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nethereum.JsonRpc.Client;
using Nethereum.Signer;
using Nethereum.Web3;

namespace Hearth.Cli.Bench.Attacks;

/// <summary>
/// A pool of its own on the local chain for attacks that must watch, stop or restart a scheduler, or put an RPC proxy in
/// front of it: fresh keys own an app and the pool (and request), another fresh key is the pool's scheduler (so its
/// nonces are its own), and a scheduler runs on a database of its own with the network's storage for results. The pool
/// takes no share of the price and asks no stake percentage, so an agreeing lone worker is paid exactly the pool price.
/// </summary>
internal sealed class PrivatePool : IAsyncDisposable
{
    private readonly string _folder;

    private PrivatePool(LocalNetwork net, HearthClient owner, BigInteger app, BigInteger pool, SchedulerOptions options, string folder)
    {
        Net = net;
        Owner = owner;
        App = app;
        Pool = pool;
        Options = options;
        _folder = folder;
        SchedulerUrl = new Uri($"http://127.0.0.1:{options.ListenPort}/");
    }

    public LocalNetwork Net { get; }

    /// <summary>Owns the app and the pool, and requests.</summary>
    public HearthClient Owner { get; }

    public BigInteger App { get; }
    public BigInteger Pool { get; }
    public SchedulerOptions Options { get; }
    public SchedulerServerHandle? Scheduler { get; private set; }
    public Uri SchedulerUrl { get; }
    public string SchedulerAddress => new EthECKey(Options.SchedulerPrivateKey).GetPublicAddress();

    public static async Task<PrivatePool> StartAsync(LocalNetwork net, string? rpcUrl, Action<SchedulerOptions>? configure, CancellationToken ct)
    {
        var (_, owner) = await FundedKeyAsync(net, Tokens.FromHrth(1_000), stake: false, ct);
        var scheduler = EthECKey.GenerateKey();
        await SetEtherAsync(net, scheduler.GetPublicAddress());
        var port = AnvilLauncher.FreeLoopbackPort();
        var app = await owner.RegisterAppAsync(Hash32.Sha256(Encoding.UTF8.GetBytes("private app " + Guid.NewGuid())), "http://127.0.0.1:1/nothing", "private app", ct);
        var pool = await owner.RegisterWorkerpoolAsync(scheduler.GetPublicAddress(), 0, 0, $"http://127.0.0.1:{port}", "private pool", ct: ct);
        var folder = Directory.CreateTempSubdirectory("hearth-attack-").FullName;
        var options = new SchedulerOptions
        {
            RpcUrl = rpcUrl ?? net.Chain.RpcUrl,
            ChainId = net.Chain.Deployment.ChainId,
            Deployment = net.Chain.Deployment,
            WorkerpoolId = pool.Id.ToString(CultureInfo.InvariantCulture),
            SchedulerPrivateKey = scheduler.GetPrivateKey(),
            SqlitePath = Path.Combine(folder, "scheduler.db"),
            ResultStorageUrl = net.StorageUrl,
            ListenPort = port,
            SettlementCheckIntervalMs = 1_000,
            ReplicateLeaseMinSeconds = 10,
        };
        configure?.Invoke(options);
        var pp = new PrivatePool(net, owner, app.Id, pool.Id, options, folder);
        await pp.StartSchedulerAsync(ct);
        return pp;
    }

    /// <summary>How long the scheduler's host waits for its loops when stopped; null: the host's default.</summary>
    public TimeSpan? ShutdownTimeout { get; set; }

    /// <summary>Starts the scheduler (again) on its database, at the same address.</summary>
    public async Task StartSchedulerAsync(CancellationToken ct)
    {
        if (Scheduler is not null) return;
        Scheduler = await SchedulerServer.StartAsync(Options, b =>
        {
            b.Logging.SetMinimumLevel(LogLevel.Critical);
            // A crash: the host does not wait for its loops to finish what they were doing.
            if (ShutdownTimeout is { } timeout) b.Services.Configure<HostOptions>(o => o.ShutdownTimeout = timeout);
        }, ct);
    }

    /// <summary>Stops the scheduler: its host is disposed, whatever its loops were doing.</summary>
    public async Task StopSchedulerAsync()
    {
        if (Scheduler is not { } s) return;
        Scheduler = null;
        await s.DisposeAsync();
    }

    /// <summary>A deal of <paramref name="app"/> (the pool's own app when null) on this pool, requested by the owner; the
    /// app order is signed by <paramref name="appOwner"/> when the owner does not own the app.</summary>
    public async Task<MatchResult> DealAsync(int volume, uint trust, BigInteger price, CancellationToken ct, BigInteger? app = null, EthECKey? appOwner = null, string parameters = "")
    {
        var salt = Salt.New();
        var appOrder = new AppOrder { App = app ?? App, Volume = volume, Salt = salt };
        var poolOrder = new WorkerpoolOrder { Workerpool = Pool, WorkerpoolPrice = price, Volume = volume, Trust = 100_000, Salt = salt };
        var request = new RequestOrder
        {
            App = app ?? App, Workerpool = Pool, WorkerpoolMaxPrice = price, Requester = Owner.Address, Volume = volume, Trust = trust,
            Params = parameters, Salt = salt,
        };
        var appSignature = appOwner is null ? [] : Signatures.Sign(appOrder, Owner.Domain, appOwner);
        return await Owner.MatchOrdersAsync(new SignedOrders(appOrder, appSignature, DatasetOrder.None, [], poolOrder, [], request, []), ct);
    }

    /// <summary>The scheduler's view of a task; null when it does not answer or does not know it.</summary>
    public async Task<TaskView?> TaskAsync(Hash32 dealId, long index, CancellationToken ct)
    {
        try
        {
            using var http = new HttpClient { BaseAddress = SchedulerUrl, Timeout = TimeSpan.FromSeconds(10) };
            using var response = await http.GetAsync($"api/tasks/{Ids.TaskId(dealId, index)}", ct);
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<TaskView>(ct) : null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Waits until the task's status is one of <paramref name="statuses"/>; returns the last view seen.</summary>
    public async Task<TaskView?> WaitTaskAsync(Hash32 dealId, long index, TimeSpan limit, CancellationToken ct, params string[] statuses)
    {
        var until = DateTime.UtcNow + limit;
        TaskView? view = null;
        while (DateTime.UtcNow < until)
        {
            view = await TaskAsync(dealId, index, ct) ?? view;
            if (view is not null && statuses.Contains(view.Status)) return view;
            await Task.Delay(200, ct);
        }
        return view;
    }

    /// <summary>A fresh key with ether, <paramref name="tokens"/> in escrow, and those tokens staked when asked.</summary>
    public static async Task<(EthECKey Key, HearthClient Client)> FundedKeyAsync(LocalNetwork net, BigInteger tokens, bool stake, CancellationToken ct)
    {
        var key = EthECKey.GenerateKey();
        await SetEtherAsync(net, key.GetPublicAddress());
        var client = net.Chain.Client(key.GetPrivateKey());
        await Attacker.FundAsync(net, client, tokens, ct);
        if (stake) await client.StakeAsync(tokens, ct);
        return (key, client);
    }

    private static async Task SetEtherAsync(LocalNetwork net, string address) =>
        await new Web3(net.Chain.RpcUrl).Client.SendRequestAsync<object>(new RpcRequest(1, "anvil_setBalance", address, "0x3635C9ADC5DEA00000"));

    public async ValueTask DisposeAsync()
    {
        await StopSchedulerAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still held: left for the system to clean.
        }
    }
}

/// <summary>A worker played by the attack over the worker API: it logs in, heart-beats, takes assignments, uploads a
/// result of its choosing and reports contributions signed as it likes.</summary>
internal sealed class ScriptedWorker : IDisposable
{
    private readonly Eip712Domain _domain;

    private ScriptedWorker(HttpClient http, EthECKey key, Eip712Domain domain)
    {
        Http = http;
        Key = key;
        _domain = domain;
    }

    public HttpClient Http { get; }
    public EthECKey Key { get; }
    public string Address => Key.GetPublicAddress();

    /// <summary>Logs in through <paramref name="http"/> (its base address the scheduler's); the worker owns it afterwards.</summary>
    public static async Task<ScriptedWorker> LoginAsync(HttpClient http, EthECKey key, BigInteger pool, Eip712Domain domain, CancellationToken ct)
    {
        var address = key.GetPublicAddress();
        var poolId = pool.ToString(CultureInfo.InvariantCulture);
        using var c = await http.PostAsJsonAsync("api/workers/challenge", new ChallengeRequest(address), ct);
        c.EnsureSuccessStatusCode();
        var challenge = (await c.Content.ReadFromJsonAsync<ChallengeResponse>(ct))!.Challenge;
        var signature = new EthereumMessageSigner().EncodeUTF8AndSign(WorkerLogin.Message(poolId, challenge), key);
        using var login = await http.PostAsJsonAsync("api/workers/login", new LoginRequest(address, poolId, challenge, signature), ct);
        if (!login.IsSuccessStatusCode)
            throw new InvalidOperationException($"login refused: {(int)login.StatusCode} {await login.Content.ReadAsStringAsync(ct)}");
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await login.Content.ReadFromJsonAsync<LoginResponse>(ct))!.Token);
        return new ScriptedWorker(http, key, domain);
    }

    public async Task HeartbeatAsync(int slots, int free, CancellationToken ct, params string[] held)
    {
        using var beat = await Http.PostAsJsonAsync("api/workers/heartbeat", new HeartbeatRequest(slots, free, held, null), ct);
        beat.EnsureSuccessStatusCode();
    }

    /// <summary>Asks for work until one assignment comes or <paramref name="limit"/> passes (heart-beating meanwhile).</summary>
    public async Task<Assignment?> NextAsync(TimeSpan limit, CancellationToken ct)
    {
        var until = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < until)
        {
            await HeartbeatAsync(1, 1, ct);
            using var exchange = await Http.PostAsJsonAsync("api/workers/exchange?waitSeconds=2", new ExchangeRequest(null, null, 1), ct);
            if (exchange.IsSuccessStatusCode && (await exchange.Content.ReadFromJsonAsync<ExchangeResponse>(ct))!.Assignments is [var a, ..]) return a;
        }
        return null;
    }

    /// <summary>Uploads a result of its own to the storage; returns its digest.</summary>
    public static async Task<Hash32> UploadResultAsync(string storageUrl, string text, CancellationToken ct)
    {
        var storage = new StorageClient(StorageClient.CreateHttpClient(new Uri(storageUrl.TrimEnd('/') + "/")));
        using var content = new MemoryStream(Encoding.UTF8.GetBytes(text));
        var address = await storage.PutAsync(content, ct);
        return new Hash32(Convert.FromHexString(address.Hex));
    }

    /// <summary>The worker's EIP-712 contribution signature (r, s, v; low s, as signing gives).</summary>
    public byte[] Sign(Assignment a, Hash32 digest) => ContributionSigning.Sign(_domain, Hash32.Parse(a.TaskId), digest, Key);

    /// <summary>Reports a contribution on the per-replicate route; returns the HTTP status and body.</summary>
    public async Task<(int Status, string Body)> ContributeAsync(Assignment a, Hash32 digest, byte[] signature, CancellationToken ct)
    {
        var report = new ContributionReport(digest.ToString(), "0x" + Convert.ToHexStringLower(signature), 0, null, 0.01, null);
        using var response = await Http.PostAsJsonAsync($"api/workers/replicates/{a.ReplicateId}/contribution", report, ct);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct));
    }

    /// <summary>The same signature with s replaced by n − s and v flipped: it recovers the same key, with s above n/2.</summary>
    public static byte[] HighS(byte[] signature)
    {
        var n = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var s = new BigInteger(signature.AsSpan(32, 32), isUnsigned: true, isBigEndian: true);
        var high = (n - s).ToByteArray(isUnsigned: true, isBigEndian: true);
        var result = (byte[])signature.Clone();
        Array.Clear(result, 32, 32);
        high.CopyTo(result, 64 - high.Length);
        result[64] = result[64] >= 27 ? (byte)(55 - result[64]) : (byte)(result[64] ^ 1);
        return result;
    }

    public static bool IsHighS(byte[] signature)
    {
        var halfN = BigInteger.Parse("07FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0", NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return new BigInteger(signature.AsSpan(32, 32), isUnsigned: true, isBigEndian: true) > halfN;
    }

    public void Dispose() => Http.Dispose();
}
