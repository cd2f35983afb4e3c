using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hearth.Chain.Market;
using Hearth.Hosting;
using Hearth.Protocol;
using Hearth.Protocol.Deals;
using Hearth.Protocol.Orders;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Nethereum.Hex.HexTypes;
using Nethereum.JsonRpc.Client;
using Nethereum.Signer;
using Nethereum.Web3;

namespace Hearth.Scheduler.Tests;

/// <summary>
/// The scheduler behind a provider that caps eth_getLogs ranges (as hosted RPCs do) and that fails to answer for one
/// app: the unreadable deal is refused alone and the good deal after it is scheduled.
/// </summary>
public sealed class CappedRpcTests
{
    private const int Cap = 100; // anvil_mine slows as the chain grows (3,000 blocks: ~18 s), so the ranges stay small

    [Fact]
    public async Task Behind_an_RPC_that_caps_getLogs_a_deal_whose_app_cannot_be_read_is_refused_and_the_next_deal_is_scheduled()
    {
        await using var net = await TestNetwork.StartAsync(workers: 1);
        // The app was registered near the deployment block; the deals come thousands of blocks later.
        await new Web3(net.Market.RpcUrl).Client.SendRequestAsync<object>(new RpcRequest(1, "anvil_mine", new HexBigInteger(3 * Cap)));
        var unreadable = (await net.Market.Client(1).RegisterAppAsync(Hash32.Sha256("unreadable module"u8), "http://127.0.0.1:1/blobs/", "unreadable")).Id;
        await new Web3(net.Market.RpcUrl).Client.SendRequestAsync<object>(new RpcRequest(2, "anvil_mine", new HexBigInteger(3 * Cap)));

        var checksumOf = new Web3(net.Market.RpcUrl).Eth.GetContract(Hearth.Protocol.Contracts.ContractArtifacts.AppRegistry.Abi, net.Market.Deployment.Apps)
            .GetFunction("checksumOf").GetData(unreadable);
        await using var proxy = await CappingProxy.StartAsync(net.Market.RpcUrl, Cap, refuseCallData: checksumOf);

        var server = await net.StartSchedulerAsync(net.Options(o => { o.RpcUrl = proxy.Url.ToString(); o.MaxLogRange = Cap; }));
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        var bad = await net.Requester.MatchOrdersAsync(Orders(net, unreadable));
        var good = await net.MatchAsync(volume: 1, trust: 1);

        using var worker = await new TestWorker(server.BaseUrl, net.WorkerKey(0), net.Pool.ToString(), net.Requester.Domain).LoginAsync();
        var assignment = await worker.NextRequiredAsync();
        Assert.Equal(good.DealId.ToString(), assignment.DealId);
        Assert.Equal(Hash32.Sha256("module"u8).ToString(), assignment.App.Checksum);
        Assert.Equal("http://127.0.0.1:1/blobs/", assignment.App.Location);

        var refused = await ReadApi.DealWhereAsync(http, bad.DealId.ToString(), d => d.Status == "Refused", "the unreadable deal refused");
        Assert.Contains("could not be read", refused.Reason);
        Assert.True(proxy.RangesRefused == 0, $"{proxy.RangesRefused} eth_getLogs over {Cap} blocks were sent");
        Assert.True(proxy.CallsRefused > 0);
    }

    [Fact]
    public async Task A_requester_behind_an_RPC_that_caps_getLogs_finds_its_deal_and_results_across_ranges()
    {
        await using var net = await TestNetwork.StartAsync(workers: 1);
        var match = await net.MatchAsync(volume: 1, trust: 1);
        await net.SchedulerClient.SettleAsync(match.Deal, match.DealId,
            [ContributionSigning.ToContribution(0, Hash32.Sha256("r"u8), ContributionSigning.Sign(net.Requester.Domain, Ids.TaskId(match.DealId, 0), Hash32.Sha256("r"u8), net.WorkerKey(0)))], "loc");
        // The deal and its settlement sit more than two of the provider's ranges before the head.
        await new Web3(net.Market.RpcUrl).Client.SendRequestAsync<object>(new RpcRequest(1, "anvil_mine", new HexBigInteger(2 * Cap + 5)));
        await using var proxy = await CappingProxy.StartAsync(net.Market.RpcUrl, Cap);
        var requester = new HearthClient(new Hearth.Chain.Transactions.TransactionSender(proxy.Url.ToString(), net.Market.Keys[5], net.Market.Anvil.ChainId), net.Market.Deployment)
            { LogRange = Cap };

        Assert.Equal(match.DealId, new Hash32((await requester.FindDealAsync(match.DealId))!.DealId));
        Assert.Single(await requester.TasksSettledAsync(match.DealId));
        Assert.Single(await requester.ResultsStoredAsync(match.DealId));
        Assert.Empty(await requester.TasksRefundedAsync(match.DealId));
        Assert.True(proxy.RangesRefused == 0, $"{proxy.RangesRefused} eth_getLogs over {Cap} blocks were sent");
    }

    private static SignedOrders Orders(TestNetwork net, System.Numerics.BigInteger app)
    {
        var domain = net.Requester.Domain;
        var appOrder = new AppOrder { App = app, AppPrice = 0, Volume = 1, Salt = Salt.New() };
        var poolOrder = new WorkerpoolOrder { Workerpool = net.Pool, WorkerpoolPrice = TestNetwork.PoolPrice, Volume = 1, Trust = 100, Salt = Salt.New() };
        var request = new RequestOrder
        {
            App = app, Workerpool = net.Pool, WorkerpoolMaxPrice = TestNetwork.PoolPrice, Requester = net.Requester.Address,
            Volume = 1, Trust = 1, Params = "", Salt = Salt.New(),
        };
        return new SignedOrders(
            appOrder, Signatures.Sign(appOrder, domain, new EthECKey(net.Market.Keys[1])),
            DatasetOrder.None, [],
            poolOrder, Signatures.Sign(poolOrder, domain, new EthECKey(net.Market.Keys[3])),
            request, Signatures.Sign(request, domain, new EthECKey(net.Market.Keys[5])));
    }
}

/// <summary>
/// A JSON-RPC proxy on loopback in front of anvil that behaves as capped hosted providers do: an eth_getLogs spanning
/// more than <c>cap</c> blocks ("latest" included) is answered with a JSON-RPC error, and so is any eth_call whose data
/// is <c>refuseCallData</c> (a provider failing on one read). Everything else is forwarded.
/// </summary>
public sealed class CappingProxy : IAsyncDisposable
{
    private readonly HttpClient _upstream = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly string _target;
    private readonly long _cap;
    private readonly string? _refuseCallData;
    private WebApplication _app = null!;
    private int _rangesRefused, _callsRefused;

    private CappingProxy(string target, long cap, string? refuseCallData) => (_target, _cap, _refuseCallData) = (target, cap, refuseCallData);

    public Uri Url { get; private set; } = null!;

    public int RangesRefused => Volatile.Read(ref _rangesRefused);

    public int CallsRefused => Volatile.Read(ref _callsRefused);

    public static async Task<CappingProxy> StartAsync(string target, long cap, string? refuseCallData = null)
    {
        var proxy = new CappingProxy(target, cap, refuseCallData);
        (proxy._app, proxy.Url) = await LoopbackServer.StartAsync(0, 16 * 1024 * 1024, _ => { },
            app => app.MapPost("/", (RequestDelegate)proxy.ForwardAsync),
            builder => builder.Logging.SetMinimumLevel(LogLevel.Warning), CancellationToken.None);
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
