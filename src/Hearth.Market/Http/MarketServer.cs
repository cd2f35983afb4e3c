using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
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
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.ListenPort);
            kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes;
        });
        builder.Services.AddHearthMarket(options.CopyTo);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapOpenApi();
        app.MapHearthMarket();
        try
        {
            await app.StartAsync(ct);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel started without reporting the address it listens on.");
        var baseUrl = new Uri(address.TrimEnd('/') + "/");
        MarketLog.ServerStarted(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MarketServer)), baseUrl, options.Deployment!.ChainId, options.Deployment.Market);
        return new MarketServerHandle(app, baseUrl);
    }
}
