using Hearth.Market.Sync;
using Hearth.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Market.Http;

/// <summary>A running market; disposing it stops the server.</summary>
public sealed class MarketServerHandle : LoopbackServerHandle
{
    internal MarketServerHandle(WebApplication app, Uri baseUrl) : base(app, baseUrl)
    {
    }

    /// <summary>Runs one chain sync pass now (the background loop also runs them): a barrier for tests and tools.</summary>
    public Task SyncAsync(CancellationToken ct = default) => Services.GetRequiredService<ChainSync>().SyncOnceAsync(ct);
}
