using Hearth.Hosting;
using Microsoft.AspNetCore.Builder;
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
        var (app, baseUrl) = await LoopbackServer.StartAsync(options.ListenPort, options.MaxRequestBodyBytes,
            services => services.AddHearthScheduler(o => Copy(options, o)), app => app.MapHearthSchedulerApi(), configure, ct);
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
public sealed class SchedulerServerHandle : LoopbackServerHandle
{
    internal SchedulerServerHandle(WebApplication app, Uri baseUrl) : base(app, baseUrl)
    {
    }
}
