using Hearth.Market.Sync;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Market.Http;

/// <summary>A running market; disposing it stops the server.</summary>
public sealed class MarketServerHandle : IAsyncDisposable
{
    private readonly WebApplication _app;

    internal MarketServerHandle(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>Where the market listens, ending with a slash, e.g. <c>http://127.0.0.1:5123/</c>.</summary>
    public Uri BaseUrl { get; }

    public int Port => BaseUrl.Port;

    public IServiceProvider Services => _app.Services;

    /// <summary>Runs one chain sync pass now (the background loop also runs them): a barrier for tests and tools.</summary>
    public Task SyncAsync(CancellationToken ct = default) => Services.GetRequiredService<ChainSync>().SyncOnceAsync(ct);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
