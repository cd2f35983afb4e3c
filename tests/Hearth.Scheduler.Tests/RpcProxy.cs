using System.Text;
using Hearth.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Hearth.Scheduler.Tests;

/// <summary>
/// A JSON-RPC proxy on loopback in front of anvil. While <see cref="HoldReceipts"/> is set, it answers no
/// eth_getTransactionReceipt call: the request hangs until its client gives up (the client's own timeout), as a node
/// that went away between a transaction's broadcast and its receipt would. Everything else is forwarded as it is.
/// </summary>
public sealed class RpcProxy : IAsyncDisposable
{
    private readonly HttpClient _upstream = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly CancellationTokenSource _stopping = new();
    private readonly string _target;
    private WebApplication _app = null!;
    private int _held;

    private RpcProxy(string target) => _target = target;

    public Uri Url { get; private set; } = null!;

    public volatile bool HoldReceipts;

    /// <summary>While set, every call's connection is dropped unanswered: a node that went away.</summary>
    public volatile bool Down;

    /// <summary>Receipt calls that were held (never answered).</summary>
    public int ReceiptsHeld => Volatile.Read(ref _held);

    public static async Task<RpcProxy> StartAsync(string target)
    {
        var proxy = new RpcProxy(target);
        (proxy._app, proxy.Url) = await LoopbackServer.StartAsync(0, 16 * 1024 * 1024, _ => { },
            app => app.MapPost("/", (RequestDelegate)proxy.ForwardAsync),
            builder => builder.Logging.SetMinimumLevel(LogLevel.Warning), CancellationToken.None);
        return proxy;
    }

    private async Task ForwardAsync(HttpContext context)
    {
        if (Down)
        {
            context.Abort();
            return;
        }
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        if (HoldReceipts && body.Contains("\"eth_getTransactionReceipt\"", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _held);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
            try
            {
                await Task.Delay(Timeout.Infinite, either.Token);
            }
            catch (OperationCanceledException)
            {
                // The client gave up, or the proxy stops: nothing is answered.
            }
            return;
        }
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var answer = await _upstream.PostAsync(_target, content, context.RequestAborted);
        context.Response.StatusCode = (int)answer.StatusCode;
        context.Response.ContentType = "application/json";
        await answer.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
        _stopping.Dispose();
    }
}
