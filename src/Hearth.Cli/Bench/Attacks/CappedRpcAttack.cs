using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hearth.Chain;
using Hearth.Chain.Market;
using Hearth.Hosting;
using Hearth.Network;
using Hearth.Protocol;
using Hearth.Protocol.Orders;
using Hearth.Scheduler;
using Hearth.Scheduler.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Nethereum.Hex.HexTypes;
using Nethereum.JsonRpc.Client;
using Nethereum.Web3;

namespace Hearth.Cli.Bench.Attacks;

/// <summary>
/// A pool's scheduler behind an RPC that caps eth_getLogs ranges (as hosted providers do) and fails to answer the read
/// of one app. The attacker registers that app long after the deployment block and makes a deal with it, then an
/// honest-looking deal follows. The scheduler used to look assets up with one eth_getLogs from the deployment block to
/// the newest, refused by such a provider, and the exception blocked every later deal. The attack passes through when
/// the second deal is not taken, or any over-cap range is sent.
/// </summary>
internal sealed class CappedRpcAttack : IAttack
{
    private const int Cap = 100;

    public string Name => "capped-getlogs";

    public async Task<AttackOutcome> PlayAsync(LocalNetwork net, CancellationToken ct)
    {
        var attacker = await Attacker.EnterAsync(net, ct);
        var rpc = new Web3(net.Chain.RpcUrl).Client;
        await rpc.SendRequestAsync<object>(new RpcRequest(1, "anvil_mine", new HexBigInteger(3 * Cap)));
        var unreadable = (await attacker.Client.RegisterAppAsync(Hash32.Sha256(Encoding.UTF8.GetBytes("unreadable " + Guid.NewGuid())), "http://127.0.0.1:1/x", "unreadable", ct)).Id;
        await rpc.SendRequestAsync<object>(new RpcRequest(2, "anvil_mine", new HexBigInteger(3 * Cap)));
        var checksumOf = new Web3(net.Chain.RpcUrl).Eth.GetContract(Hearth.Protocol.Contracts.ContractArtifacts.AppRegistry.Abi, net.Chain.Deployment.Apps)
            .GetFunction("checksumOf").GetData(unreadable);

        await using var proxy = await CappingRpcProxy.StartAsync(net.Chain.RpcUrl, Cap, checksumOf);
        var folder = Directory.CreateTempSubdirectory("hearth-attack-").FullName;
        try
        {
            var options = new SchedulerOptions
            {
                RpcUrl = proxy.Url.ToString(),
                ChainId = net.Chain.Deployment.ChainId,
                Deployment = net.Chain.Deployment,
                WorkerpoolId = attacker.Pool.ToString(CultureInfo.InvariantCulture),
                SchedulerPrivateKey = net.Chain.Keys[Attacker.Account],
                SqlitePath = Path.Combine(folder, "scheduler.db"),
                ResultStorageUrl = "http://127.0.0.1:1/",
                MaxLogRange = Cap,
            };
            await using var scheduler = await SchedulerServer.StartAsync(options, b => b.Logging.SetMinimumLevel(LogLevel.Critical), ct);
            var price = Tokens.FromHrth(0.01m);
            var bad = await MatchAsync(attacker, unreadable, price, ct);
            var good = await MatchAsync(attacker, attacker.App, price, ct);

            using var http = new HttpClient { BaseAddress = scheduler.BaseUrl };
            string? badStatus = null, goodStatus = null;
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (DateTime.UtcNow < until && (goodStatus != "Active" || badStatus != "Refused"))
            {
                badStatus = await StatusAsync(http, bad, ct);
                goodStatus = await StatusAsync(http, good, ct);
                await Task.Delay(100, ct);
            }
            return new AttackOutcome(Name,
                $"ran a scheduler behind an RPC refusing eth_getLogs over {Cap} blocks and the read of app {unreadable} (registered {3 * Cap} blocks after the deployment, deals {3 * Cap} blocks later); matched a deal of that app, then a deal of a readable app",
                $"the unreadable deal: {badStatus ?? "not seen"}; the next deal: {goodStatus ?? "not seen"}; eth_getLogs over the cap sent: {proxy.RangesRefused}; reads refused: {proxy.CallsRefused}",
                goodStatus == "Active" && badStatus == "Refused" && proxy.RangesRefused == 0);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<Hash32> MatchAsync(Attacker attacker, BigInteger app, BigInteger price, CancellationToken ct)
    {
        var salt = Salt.New();
        var appOrder = new AppOrder { App = app, Volume = 1, Salt = salt };
        var poolOrder = new WorkerpoolOrder { Workerpool = attacker.Pool, WorkerpoolPrice = price, Volume = 1, Trust = 100_000, Salt = salt };
        var request = new RequestOrder { App = app, Workerpool = attacker.Pool, WorkerpoolMaxPrice = price, Requester = attacker.Address, Volume = 1, Trust = 1, Salt = salt };
        return (await attacker.Client.MatchOrdersAsync(new SignedOrders(appOrder, [], DatasetOrder.None, [], poolOrder, [], request, []), ct)).DealId;
    }

    private static async Task<string?> StatusAsync(HttpClient http, Hash32 deal, CancellationToken ct)
    {
        using var response = await http.GetAsync($"api/deals/{deal}", ct);
        if (!response.IsSuccessStatusCode) return null;
        return (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))?["status"];
    }
}

/// <summary>A JSON-RPC proxy on loopback that refuses, as capped providers do, an eth_getLogs spanning more than its cap
/// ("latest" included), and any eth_call with one given calldata; it forwards everything else.</summary>
internal sealed class CappingRpcProxy : IAsyncDisposable
{
    private readonly HttpClient _upstream = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly string _target;
    private readonly long _cap;
    private readonly string? _refuseCallData;
    private WebApplication _app = null!;
    private int _rangesRefused, _callsRefused;

    private CappingRpcProxy(string target, long cap, string? refuseCallData) => (_target, _cap, _refuseCallData) = (target, cap, refuseCallData);

    public Uri Url { get; private set; } = null!;

    public int RangesRefused => Volatile.Read(ref _rangesRefused);

    public int CallsRefused => Volatile.Read(ref _callsRefused);

    public static async Task<CappingRpcProxy> StartAsync(string target, long cap, string? refuseCallData)
    {
        var proxy = new CappingRpcProxy(target, cap, refuseCallData);
        (proxy._app, proxy.Url) = await LoopbackServer.StartAsync(0, 16 * 1024 * 1024, _ => { },
            app => app.MapPost("/", (RequestDelegate)proxy.ForwardAsync),
            builder => builder.Logging.SetMinimumLevel(LogLevel.Critical), CancellationToken.None);
        return proxy;
    }

    private async Task ForwardAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        if (JsonNode.Parse(body) is JsonObject request)
        {
            var method = (string?)request["method"];
            if (method == "eth_getLogs" && request["params"]?[0] is JsonObject filter)
            {
                var from = await BlockAsync((string?)filter["fromBlock"] ?? "earliest", context.RequestAborted);
                var to = await BlockAsync((string?)filter["toBlock"] ?? "latest", context.RequestAborted);
                if (to - from + 1 > _cap)
                {
                    Interlocked.Increment(ref _rangesRefused);
                    await ErrorAsync(context, request, -32005, $"query exceeds max block range {_cap}");
                    return;
                }
            }
            if (method == "eth_call" && _refuseCallData is not null
                && string.Equals((string?)(request["params"]?[0]?["data"] ?? request["params"]?[0]?["input"]), _refuseCallData, StringComparison.OrdinalIgnoreCase))
            {
                Interlocked.Increment(ref _callsRefused);
                await ErrorAsync(context, request, -32603, "upstream request failed");
                return;
            }
        }
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var answer = await _upstream.PostAsync(_target, content, context.RequestAborted);
        context.Response.StatusCode = (int)answer.StatusCode;
        context.Response.ContentType = "application/json";
        await answer.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    private async Task<long> BlockAsync(string tag, CancellationToken ct)
    {
        if (tag == "earliest") return 0;
        if (tag.StartsWith("0x", StringComparison.Ordinal)) return long.Parse(tag[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        using var content = new StringContent("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_blockNumber\",\"params\":[]}", Encoding.UTF8, "application/json");
        using var answer = await _upstream.PostAsync(_target, content, ct);
        using var doc = JsonDocument.Parse(await answer.Content.ReadAsStringAsync(ct));
        return long.Parse(doc.RootElement.GetProperty("result").GetString()![2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }

    private static async Task ErrorAsync(HttpContext context, JsonObject request, int code, string message)
    {
        context.Response.ContentType = "application/json";
        var error = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = request["id"]?.DeepClone(), ["error"] = new JsonObject { ["code"] = code, ["message"] = message } };
        await context.Response.WriteAsync(error.ToJsonString(), context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}
