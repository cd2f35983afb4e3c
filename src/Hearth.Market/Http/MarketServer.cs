using Hearth.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hearth.Market.Http;

/// <summary>Starts a stand-alone market on loopback, for tests, the CLI and the local network.</summary>
public static class MarketServer
{
    public static Task<MarketServerHandle> StartAsync(MarketOptions options, CancellationToken ct = default) =>
        StartAsync(options, configure: null, ct);

    /// <param name="configure">Last word on the host before it is built, e.g. to replace the clock or logging.</param>
    public static async Task<MarketServerHandle> StartAsync(MarketOptions options, Action<WebApplicationBuilder>? configure, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        MarketOptionsValidator.ThrowIfInvalid(options);
        var (app, baseUrl) = await LoopbackServer.StartAsync(options.ListenPort, options.MaxBodyBytes,
            services => services.AddHearthMarket(options.CopyTo),
            app =>
            {
                app.MapOpenApi();
                app.MapHearthMarket();
            }, configure, ct);
        MarketLog.ServerStarted(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MarketServer)), baseUrl, options.Deployment!.ChainId, options.Deployment.Market);
        return new MarketServerHandle(app, baseUrl);
    }
}
