using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Hosting;

/// <summary>Starts a web role on 127.0.0.1 (a given port, or a free one when 0): Kestrel, the role's services and routes.</summary>
public static class LoopbackServer
{
    /// <param name="register">Adds the role's services.</param>
    /// <param name="map">Maps the role's routes.</param>
    /// <param name="configure">Last word on the host before it is built, e.g. to change the clock or logging.</param>
    /// <returns>The started application and the base URL it listens on, ending with a slash.</returns>
    public static async Task<(WebApplication App, Uri BaseUrl)> StartAsync(
        int port, long maxRequestBodyBytes, Action<IServiceCollection> register, Action<WebApplication> map,
        Action<WebApplicationBuilder>? configure, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, port);
            kestrel.Limits.MaxRequestBodySize = maxRequestBodyBytes;
        });
        register(builder.Services);
        configure?.Invoke(builder);

        var app = builder.Build();
        map(app);
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
        return (app, new Uri(address.TrimEnd('/') + "/"));
    }
}

/// <summary>A running web role; disposing it stops the server and the role's background services.</summary>
public abstract class LoopbackServerHandle(WebApplication app, Uri baseUrl) : IAsyncDisposable
{
    /// <summary>Where the role listens, ending with a slash, e.g. <c>http://127.0.0.1:5123/</c>.</summary>
    public Uri BaseUrl { get; } = baseUrl;

    public int Port => BaseUrl.Port;

    public IServiceProvider Services => app.Services;

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
