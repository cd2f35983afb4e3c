using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hearth.Scheduler.Hosting;

/// <summary>Starts a stand-alone scheduler (Kestrel on 127.0.0.1 and the background loops), for tests and the local network.</summary>
public static class SchedulerServer
{
    public static Task<SchedulerServerHandle> StartAsync(SchedulerOptions options, CancellationToken ct = default) =>
        StartAsync(options, configure: null, ct);

    /// <param name="configure">Last word on the host before it is built (e.g. a fake TimeProvider, logging).</param>
    public static async Task<SchedulerServerHandle> StartAsync(SchedulerOptions options, Action<WebApplicationBuilder>? configure, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        SchedulerOptionsValidator.ThrowIfInvalid(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.ListenPort);
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
        });
        builder.Services.AddHearthScheduler(o => Copy(options, o));
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapHearthSchedulerApi();
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
        SchedulerLog.ServerStarted(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SchedulerServer)), options.WorkerpoolId, baseUrl);
        return new SchedulerServerHandle(app, baseUrl);
    }

    private static void Copy(SchedulerOptions from, SchedulerOptions to)
    {
        foreach (var p in typeof(SchedulerOptions).GetProperties().Where(p => p.CanWrite))
            p.SetValue(to, p.GetValue(from));
    }
}

/// <summary>A running scheduler; disposing it stops the loops and the server.</summary>
public sealed class SchedulerServerHandle : IAsyncDisposable
{
    private readonly WebApplication _app;

    internal SchedulerServerHandle(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>Where the API listens, ending with a slash, e.g. <c>http://127.0.0.1:5123/</c>.</summary>
    public Uri BaseUrl { get; }

    public IServiceProvider Services => _app.Services;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
