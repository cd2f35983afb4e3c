using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hearth.Worker;

/// <summary>Starts a worker in a host of its own, so tests and the local network can run several in one process.</summary>
public static class WorkerHost
{
    public static Task<WorkerHandle> StartAsync(WorkerOptions options, CancellationToken ct = default) =>
        StartAsync(options, configure: null, ct);

    /// <param name="configure">Last word on the services before the host is built: logging, a clock, a boiler.</param>
    public static async Task<WorkerHandle> StartAsync(WorkerOptions options, Action<IServiceCollection>? configure, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        WorkerOptionsValidator.ThrowIfInvalid(options);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddLogging(logging => logging.AddSimpleConsole(console => console.SingleLine = true));
        builder.Services.AddHearthWorker(options.CopyTo);
        configure?.Invoke(builder.Services);

        var host = builder.Build();
        try
        {
            await host.StartAsync(ct);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return new WorkerHandle(host);
    }
}
