using Hearth.Protocol;
using Hearth.Scheduler.Persistence;
using Hearth.Scheduler.State;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TaskStatus = Hearth.Scheduler.State.TaskStatus;

namespace Hearth.Scheduler.Api;

/// <summary>
/// Read-only views for requesters and the CLI: every task says its status, why, and its history. Anyone may read them,
/// workers included, so a task's result digests (each replicate's and the consensus) are shown only once the task is
/// Settled on chain, where they are public; before, a worker could sign another's digest without computing it. Reasons
/// are written without digests, and those of an unsettled task are passed through <see cref="ResultSecrecy.Redact"/>
/// as well (older rows, a worker's own words).
/// </summary>
internal static class ReadEndpoints
{
    private const int MaxTasksListed = 1_000;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/deals/{dealId}", async (string dealId, IDbContextFactory<SchedulerDb> dbs, CancellationToken ct) =>
        {
            if (!Hash32.TryParse(dealId, out var id)) return WorkerEndpoints.Problem(400, "dealId must be 32 bytes of hex");
            await using var db = await dbs.CreateDbContextAsync(ct);
            var deal = await db.Deals.AsNoTracking().SingleOrDefaultAsync(d => d.DealId == id.ToString(), ct);
            if (deal is null) return WorkerEndpoints.Problem(404, $"deal {id} is not known to this scheduler (not of this pool, or not yet seen on chain)");
            var counts = await db.Tasks.Where(t => t.DealId == deal.DealId).GroupBy(t => t.Status).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
            var tasks = (await db.Tasks.AsNoTracking().Where(t => t.DealId == deal.DealId).OrderBy(t => t.Index).Take(MaxTasksListed)
                .Select(t => new { t.TaskId, t.Index, t.Status, t.Reason, t.SettlementTx }).ToListAsync(ct))
                .Select(t => new TaskSummary(t.TaskId, t.Index, t.Status.ToString(), Shown(t.Status, t.TaskId, deal)(t.Reason), t.SettlementTx)).ToList();
            return Results.Ok(new DealView(deal.DealId, deal.Status.ToString(), deal.Reason, deal.CreatedBlock, deal.CreatedTransaction, deal.Volume, deal.Trust,
                deal.DeadlineTime, deal.App, deal.DatasetChecksum is null ? null : deal.Dataset, deal.Requester, deal.Params,
                counts.ToDictionary(c => c.Key.ToString(), c => c.Count), tasks, await HistoryAsync(db, "deal", deal.DealId, reason => reason, ct)));
        });

        app.MapGet("/api/tasks/{taskId}", async (string taskId, IDbContextFactory<SchedulerDb> dbs, CancellationToken ct) =>
        {
            if (!Hash32.TryParse(taskId, out var id)) return WorkerEndpoints.Problem(400, "taskId must be 32 bytes of hex");
            await using var db = await dbs.CreateDbContextAsync(ct);
            var task = await db.Tasks.AsNoTracking().SingleOrDefaultAsync(t => t.TaskId == id.ToString(), ct);
            if (task is null) return WorkerEndpoints.Problem(404, $"task {id} is not known to this scheduler");
            var deal = await db.Deals.AsNoTracking().SingleOrDefaultAsync(d => d.DealId == task.DealId, ct);
            var settled = task.Status == TaskStatus.Settled;
            var shown = Shown(task.Status, task.TaskId, deal);
            var replicates = new List<ReplicateView>();
            foreach (var r in await db.Replicates.AsNoTracking().Where(r => r.TaskId == task.TaskId).OrderBy(r => r.AssignedAtMs).ToListAsync(ct))
                replicates.Add(new ReplicateView(r.ReplicateId, r.Worker, r.Status.ToString(), shown(r.Reason), settled ? r.Digest : null,
                    DateTimeOffset.FromUnixTimeMilliseconds(r.AssignedAtMs), await HistoryAsync(db, ReplicateStateMachine.Entity, r.ReplicateId, shown, ct),
                    // Logs could show the result: secret until settled, as digests are.
                    settled ? r.LogsDigest : null, settled ? r.LogsSignature : null));
            return Results.Ok(new TaskView(task.TaskId, task.DealId, task.Index, task.Status.ToString(), shown(task.Reason), settled ? task.ConsensusDigest : null,
                task.SettlementTx, await HistoryAsync(db, TaskStateMachine.Entity, task.TaskId, shown, ct), replicates));
        });

        app.MapGet("/api/workers", async (IDbContextFactory<SchedulerDb> dbs, IOptions<SchedulerOptions> options, TimeProvider time, CancellationToken ct) =>
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            var liveSince = time.GetUtcNow().ToUnixTimeMilliseconds() - (long)options.Value.HeartbeatTimeout.TotalMilliseconds;
            var busy = await db.Replicates.Where(r => ReplicateStateMachine.ActiveStatuses.Contains(r.Status)).GroupBy(r => r.Worker)
                .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
            var workers = await db.Workers.AsNoTracking().OrderBy(w => w.Address).ToListAsync(ct);
            return Results.Ok(workers.Select(w => new WorkerView(w.Address, w.LastHeartbeatMs >= liveSince, w.Slots, w.FreeSlots, busy.GetValueOrDefault(w.Address),
                DateTimeOffset.FromUnixTimeMilliseconds(w.LastHeartbeatMs), Telemetry(w.TelemetryJson))).ToList());
        });
    }

    private static Protocol.WorkerApi.WorkerTelemetry? Telemetry(string? json)
    {
        if (json is null) return null;
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<Protocol.WorkerApi.WorkerTelemetry>(json, System.Text.Json.JsonSerializerOptions.Web);
        }
        catch (System.Text.Json.JsonException)
        {
            return null; // stored by an older version: shown as no telemetry
        }
    }

    /// <summary>How a reason about a task is shown: as written once the task is settled, else with any digest withheld.</summary>
    private static Func<string, string> Shown(TaskStatus status, string taskId, DealEntity? deal) =>
        status == TaskStatus.Settled ? reason => reason
            : reason => ResultSecrecy.Redact(reason, [taskId, deal?.DealId, deal?.AppChecksum, deal?.DatasetChecksum]);

    private static async Task<IReadOnlyList<StatusChangeView>> HistoryAsync(SchedulerDb db, string entity, string id, Func<string, string> shown, CancellationToken ct) =>
        (await db.StatusChanges.AsNoTracking().Where(s => s.Entity == entity && s.EntityId == id).OrderBy(s => s.Id).ToListAsync(ct))
        .Select(s => new StatusChangeView(s.From, s.To, shown(s.Reason), DateTimeOffset.FromUnixTimeMilliseconds(s.AtMs))).ToList();
}
