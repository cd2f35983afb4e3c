using Hearth.Chain.Market;
using Hearth.Chain.Transactions;
using Hearth.Chain.Watching;
using Hearth.Scheduler.Api;
using Hearth.Scheduler.Engine;
using Hearth.Scheduler.Persistence;
using Hearth.Scheduler.Placement;
using Hearth.Scheduler.Replication;
using Hearth.Scheduler.Settlement;
using Hearth.Scheduler.Watching;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Hearth.Scheduler;

public static class SchedulerServiceCollectionExtensions
{
    /// <summary>Registers the scheduler role with options bound from <paramref name="section"/> (usually "Scheduler").</summary>
    public static IServiceCollection AddHearthScheduler(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<SchedulerOptions>().Bind(section).ValidateOnStart();
        return services.AddCore();
    }

    /// <summary>Registers the scheduler role: options (validated at start-up), persistence, the chain watcher, the
    /// dispatcher, the sweeper and the settlement loop as hosted services, and the worker API's services.</summary>
    public static IServiceCollection AddHearthScheduler(this IServiceCollection services, Action<SchedulerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<SchedulerOptions>().Configure(configure).ValidateOnStart();
        return services.AddCore();
    }

    /// <summary>Maps the worker API (/api/workers/...) and the read API (/api/deals, /api/tasks, /api/workers).</summary>
    public static IEndpointRouteBuilder MapHearthSchedulerApi(this IEndpointRouteBuilder app)
    {
        WorkerEndpoints.Map(app);
        ReadEndpoints.Map(app);
        return app;
    }

    private static IServiceCollection AddCore(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SchedulerOptions>, SchedulerOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        // Pooled: a context is taken for every worker request, and building one costs more than the query it runs.
        services.AddPooledDbContextFactory<SchedulerDb>((sp, b) => Database.Configure(b, sp.GetRequiredService<IOptions<SchedulerOptions>>().Value));
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<SchedulerOptions>>().Value;
            return new HearthClient(new TransactionSender(o.RpcUrl, o.SchedulerPrivateKey, o.ChainId), o.Deployment!);
        });
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<SchedulerOptions>>().Value;
            return new ChainReader(o.RpcUrl, o.Deployment!);
        });
        services.AddSingleton(sp => PlacementPolicies.Create(sp.GetRequiredService<IOptions<SchedulerOptions>>().Value.PlacementPolicy));
        services.AddSingleton<SchedulerGate>();
        services.AddSingleton<SchedulerSignals>();
        services.AddSingleton<ChainClock>();
        services.AddSingleton<WorkerScores>();
        services.AddSingleton<WorkerAuth>();
        services.AddSingleton<WorkerAdmission>();
        services.AddSingleton<AnonymousRateLimit>();
        services.AddSingleton<LongPolls>();
        services.AddSingleton<DealIngestor>();
        services.AddSingleton<InputListFetcher>();
        // No redirect and no proxy: the list is read only from the storages the options name.
        services.AddHttpClient(InputListFetcher.ClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false });
        services.AddSingleton<ChainWatcher>();
        services.AddSingleton<Dispatcher>();
        services.AddSingleton<Sweeper>();
        services.AddSingleton<Settler>();
        services.AddSingleton<WorkerService>();
        services.AddSingleton<WorkerExchange>();
        services.AddHttpClient(nameof(WorkerExchange), (sp, c) =>
        {
            c.Timeout = TimeSpan.FromSeconds(10);
            if (Uri.TryCreate(sp.GetRequiredService<IOptions<SchedulerOptions>>().Value.ResultStorageUrl, UriKind.Absolute, out var storage))
                c.BaseAddress = storage;
        });
        // Order matters: the schema and the recovery of half-settled tasks come before any loop.
        services.AddHostedService<Hosting.SchedulerStartup>();
        services.AddHostedService<Hosting.WatchLoop>();
        services.AddHostedService<Hosting.DispatchLoop>();
        services.AddHostedService<Hosting.SettlementLoop>();
        // Wakes the exchanges waiting for work when their worker's replicates are placed; stops before the database is released.
        services.AddHostedService(sp => sp.GetRequiredService<LongPolls>());
        services.AddProblemDetails();
        return services;
    }
}
