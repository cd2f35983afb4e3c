using Hearth.Scheduler.Engine;
using Hearth.Scheduler.Persistence;
using Hearth.Scheduler.Settlement;
using Hearth.Scheduler.Watching;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hearth.Scheduler.Hosting;

/// <summary>Creates the schema and puts back tasks a previous run left half-settled, before any loop starts.</summary>
internal sealed class SchedulerStartup(IServiceProvider services) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        var dbs = services.GetRequiredService<IDbContextFactory<SchedulerDb>>();
        await using (var db = await dbs.CreateDbContextAsync(ct))
            await Database.EnsureSchemaAsync(db, ct);
        await services.GetRequiredService<Settler>().RecoverAsync(ct);
    }

    /// <summary>Stops last, after the loops: closes the pooled SQLite connections.</summary>
    public Task StopAsync(CancellationToken ct)
    {
        Database.ReleaseSqlite(services.GetRequiredService<IOptions<SchedulerOptions>>().Value);
        return Task.CompletedTask;
    }
}

/// <summary>Runs one step every poll interval, or sooner when woken; a failing step is logged and retried, never fatal.</summary>
internal abstract class PollingLoop(IOptions<SchedulerOptions> options, ILogger logger) : BackgroundService
{
    protected abstract string Name { get; }

    protected virtual Pulse? WakeUp => null;

    protected abstract Task StepAsync(CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var interval = options.Value.PollInterval;
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await StepAsync(ct);
                failures = 0;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The chain or the database may be briefly away: back off up to 30 polls, and say so.
                failures++;
                SchedulerLog.LoopFailed(logger, Name, failures, e);
            }
            var delay = interval * Math.Min(30, 1 << Math.Min(failures, 5));
            try
            {
                if (WakeUp is { } pulse && failures == 0) await pulse.WaitAsync(delay, ct);
                else await Task.Delay(delay, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}

internal sealed class WatchLoop(ChainWatcher watcher, IOptions<SchedulerOptions> o, ILogger<WatchLoop> l) : PollingLoop(o, l)
{
    protected override string Name => "chain watcher";

    protected override async Task StepAsync(CancellationToken ct)
    {
        // Catch up quickly after a restart: keep reading while whole ranges come back.
        for (var i = 0; i < 100 && await watcher.PollAsync(ct) >= 0; i++)
        {
            if (!watcher.Behind) break;
        }
    }
}

internal sealed class DispatchLoop(Dispatcher dispatcher, Sweeper sweeper, SchedulerSignals signals, IOptions<SchedulerOptions> o, ILogger<DispatchLoop> l) : PollingLoop(o, l)
{
    protected override string Name => "dispatcher";

    protected override Pulse WakeUp => signals.PlacementNeeded;

    protected override async Task StepAsync(CancellationToken ct)
    {
        await sweeper.SweepAsync(ct);
        await dispatcher.DispatchAsync(ct);
    }
}

internal sealed class SettlementLoop(Settler settler, SchedulerSignals signals, IOptions<SchedulerOptions> o, ILogger<SettlementLoop> l) : PollingLoop(o, l)
{
    protected override string Name => "settlement";

    protected override Pulse WakeUp => signals.SettlementNeeded;

    protected override Task StepAsync(CancellationToken ct) => settler.SettleDueAsync(ct);
}
