using System.Numerics;
using Hearth.Heat;
using Hearth.Protocol.Orders;
using Hearth.Sandbox;
using Hearth.Worker.Api;
using Hearth.Worker.Execution;
using Hearth.Worker.State;
using Hearth.Worker.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hearth.Worker;

public static class WorkerServiceCollectionExtensions
{
    /// <summary>Adds the worker daemon, configured from the <c>Worker</c> section.</summary>
    public static IServiceCollection AddHearthWorker(this IServiceCollection services, IConfiguration configuration) =>
        services.AddHearthWorker(options => configuration.GetSection(WorkerOptions.SectionName).Bind(options));

    /// <summary>
    /// Adds the worker daemon as a hosted service. The options are validated when the host starts. An
    /// <see cref="IBoilerTelemetrySource"/> registered beforehand (a real boiler's gateway) replaces the simulated one.
    /// </summary>
    public static IServiceCollection AddHearthWorker(this IServiceCollection services, Action<WorkerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<WorkerOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.AddHttpClient(SchedulerApiClient.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // The client lives as long as the worker; a bounded connection lifetime still follows DNS changes.
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                ConnectTimeout = TimeSpan.FromSeconds(10),
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);

        services.TryAddSingleton(sp =>
        {
            var options = Options(sp);
            return new WorkerIdentity(options.PrivateKey, new Eip712Domain(new BigInteger(options.ChainId), options.MarketAddress));
        });
        services.TryAddSingleton(sp =>
        {
            var options = Options(sp);
            var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient(SchedulerApiClient.HttpClientName);
            http.BaseAddress = new Uri(options.SchedulerUrl.EndsWith('/') ? options.SchedulerUrl : options.SchedulerUrl + "/");
            // Each request carries its own timeout (a long poll waits longer than a heartbeat).
            http.Timeout = Timeout.InfiniteTimeSpan;
            return new SchedulerApiClient(http, sp.GetRequiredService<WorkerIdentity>(), options.Workerpool, options.RequestTimeout,
                sp.GetRequiredService<ILogger<SchedulerApiClient>>());
        });
        services.TryAddSingleton(sp => new WorkerStatus { Worker = sp.GetRequiredService<WorkerIdentity>().Address });
        services.TryAddSingleton(sp => new WorkerLoad(Options(sp).Slots));
        services.TryAddSingleton(sp => new WorkerStateStore(Options(sp).WorkFolder, sp.GetRequiredService<WorkerIdentity>().Address,
            sp.GetRequiredService<ILogger<WorkerStateStore>>()));
        services.TryAddSingleton(sp => new AssetFetcher(Path.Combine(Options(sp).CacheFolder, "blobs"), Options(sp), sp.GetRequiredService<ILoggerFactory>()));
        services.TryAddSingleton(sp =>
        {
            var options = Options(sp);
            return new SandboxRunner(new SandboxOptions
            {
                ModuleCacheDirectory = Path.Combine(options.CacheFolder, "modules"),
                WorkDirectory = Path.Combine(options.WorkFolder, "sandbox"),
            }, sp.GetRequiredService<ILogger<SandboxRunner>>());
        });
        services.TryAddSingleton(sp => new ReportDelivery(sp.GetRequiredService<SchedulerApiClient>(), sp.GetRequiredService<ILogger<ReportDelivery>>()));
        services.TryAddSingleton(sp => new ReplicateExecutor(Options(sp), sp.GetRequiredService<WorkerIdentity>(), sp.GetRequiredService<AssetFetcher>(),
            sp.GetRequiredService<SandboxRunner>(), sp.GetRequiredService<ReportDelivery>(),
            sp.GetRequiredService<WorkerLoad>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ReplicateExecutor>>()));
        services.TryAddSingleton(sp => new WorkExchange(sp.GetRequiredService<SchedulerApiClient>(), sp.GetRequiredService<WorkerStateStore>(), Options(sp),
            sp.GetRequiredService<WorkerStatus>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<WorkExchange>>()));
        services.TryAddSingleton(CreateTelemetry);
        services.AddHostedService<WorkerService>();
        return services;
    }

    private static WorkerOptions Options(IServiceProvider sp) => sp.GetRequiredService<IOptions<WorkerOptions>>().Value;

    private static IWorkerTelemetry CreateTelemetry(IServiceProvider sp)
    {
        var options = Options(sp);
        if (options.TelemetrySource == TelemetrySources.None)
            return new NoWorkerTelemetry();
        var source = sp.GetService<IBoilerTelemetrySource>()
            ?? BoilerWorkerTelemetry.DefaultSimulatedBoiler(sp.GetRequiredService<WorkerIdentity>().Address, sp.GetRequiredService<TimeProvider>(), options.SimulatedDayStartHour);
        return new BoilerWorkerTelemetry(source, sp.GetRequiredService<WorkerLoad>());
    }
}
