using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Hearth.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Hearth.Cli.Bench.Attacks;

/// <summary>One JSON-RPC request passing through an <see cref="RpcProxy"/>; its hook decides what becomes of it.</summary>
internal sealed class RpcCall(string method, JsonObject request)
{
    public string Method { get; } = method;
    public JsonObject Request { get; } = request;

    /// <summary>Set by the hook: answer this result (JSON null included) instead of forwarding.</summary>
    public bool Answered { get; private set; }
    public JsonNode? Result { get; private set; }

    /// <summary>Set by the hook: awaited once the upstream answered, before anything goes back.</summary>
    public Func<Task>? AfterForward { get; set; }

    /// <summary>Set by the hook: the connection is cut instead of answering (after forwarding).</summary>
    public bool Abort { get; set; }

    public void Answer(JsonNode? result) => (Answered, Result) = (true, result);
}

/// <summary>
/// A JSON-RPC proxy on loopback in front of a node (anvil) that lets an attack withhold, delay or cut answers, and counts
/// the methods it saw. Single requests only are looked at; batches are forwarded as they are.
/// </summary>
internal sealed class RpcProxy : IAsyncDisposable
{
    private readonly HttpClient _upstream = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly string _target;
    private readonly Func<RpcCall, Task>? _hook;
    private readonly ConcurrentDictionary<string, int> _seen = new(StringComparer.Ordinal);
    private WebApplication _app = null!;

    private RpcProxy(string target, Func<RpcCall, Task>? hook) => (_target, _hook) = (target, hook);

    public Uri Url { get; private set; } = null!;

    /// <summary>How many requests of <paramref name="method"/> came in.</summary>
    public int Seen(string method) => _seen.GetValueOrDefault(method);

    public static async Task<RpcProxy> StartAsync(string target, Func<RpcCall, Task>? hook)
    {
        var proxy = new RpcProxy(target, hook);
        (proxy._app, proxy.Url) = await LoopbackServer.StartAsync(0, 16 * 1024 * 1024, _ => { },
            app => app.MapPost("/", (RequestDelegate)proxy.ForwardAsync),
            builder => builder.Logging.SetMinimumLevel(LogLevel.Critical), CancellationToken.None);
        return proxy;
    }

    private async Task ForwardAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        RpcCall? call = null;
        if (JsonNode.Parse(body) is JsonObject request && (string?)request["method"] is { } method)
        {
            _seen.AddOrUpdate(method, 1, (_, n) => n + 1);
            call = new RpcCall(method, request);
            if (_hook is not null) await _hook(call);
            if (call.Answered)
            {
                var answer = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = request["id"]?.DeepClone(), ["result"] = call.Result?.DeepClone() };
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(answer.ToJsonString(), context.RequestAborted);
                return;
            }
        }
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var upstream = await _upstream.PostAsync(_target, content, context.RequestAborted);
        var text = await upstream.Content.ReadAsStringAsync(context.RequestAborted);
        if (call?.AfterForward is { } after) await after();
        if (call?.Abort == true)
        {
            context.Abort();
            return;
        }
        context.Response.StatusCode = (int)upstream.StatusCode;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(text, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}
