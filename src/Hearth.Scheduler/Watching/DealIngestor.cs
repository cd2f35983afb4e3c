using System.Collections.Concurrent;
using Hearth.Chain.Market;
using Hearth.Chain.Transactions;
using Hearth.Chain.Watching;
using Hearth.Protocol;
using Hearth.Protocol.Orders;
using Hearth.Scheduler.Persistence;
using Hearth.Scheduler.State;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskStatus = Hearth.Scheduler.State.TaskStatus;

namespace Hearth.Scheduler.Watching;

/// <summary>Records a DealCreated log: the deal's terms and assets, and its tasks. Idempotent by deal id, so a rescan
/// after a restart or a reorganisation never duplicates anything; a deal that reappears after a reorg is restored.</summary>
public sealed class DealIngestor(ChainReader reader, HearthClient chain, InputListFetcher inputs, IOptions<SchedulerOptions> options, TimeProvider time, ILogger<DealIngestor> logger)
{
    private readonly ConcurrentDictionary<string, RegisteredContent> _assets = new();
    private readonly ConcurrentDictionary<long, long> _categories = new();

    public async Task IngestAsync(SchedulerDb db, LoggedEvent<DealCreatedEvent> log, CancellationToken ct)
    {
        var o = options.Value;
        var ev = log.Event;
        var dealId = new Hash32(ev.DealId).ToString();
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var existing = await db.Deals.FindAsync([dealId], ct);
        if (existing is not null)
        {
            if (existing.Status == DealStatus.Vanished)
            {
                // Same request order, so the same id and task ids; the terms (start, deadline) may differ in the new block.
                existing.SetTerms(ev.Deal);
                Locate(existing, log);
                History.Record(db, "deal", dealId, existing.Status.ToString(), DealStatus.Active.ToString(), $"reappeared in block {log.BlockNumber} after a reorganisation", nowMs);
                existing.Status = DealStatus.Active;
                existing.Reason = $"created in block {log.BlockNumber}";
                SchedulerLog.DealRestored(logger, dealId, log.BlockNumber);
            }
            else if (existing.CreatedBlockHash != log.BlockHash)
            {
                Locate(existing, log);
            }
            return;
        }

        var deal = new DealEntity { DealId = dealId, Params = ev.Params, IngestedAtMs = nowMs };
        deal.SetTerms(ev.Deal);
        Locate(deal, log);
        var refusal = Refusal(ev, o);
        if (refusal is not null)
        {
            deal.Status = DealStatus.Refused;
            deal.Reason = refusal;
            db.Deals.Add(deal);
            History.Record(db, "deal", dealId, null, deal.Status.ToString(), refusal, nowMs);
            SchedulerLog.DealRefused(logger, dealId, refusal);
            return;
        }

        // What the chain is asked about one deal: a deal whose assets or category cannot be read is refused alone, so
        // a bad deal never blocks the deals after it. A chain that does not answer at all stops the poll instead (retried).
        IReadOnlyList<Protocol.Deals.TaskEntry>? taskInputs;
        try
        {
            var app = await AssetAsync(db, chain.Deployment.Apps, ev.Deal.App, "app", log.BlockNumber, ct);
            deal.AppChecksum = app.Checksum.ToString();
            deal.AppLocation = app.Location;
            if (ev.Deal.HasDataset)
            {
                var dataset = await AssetAsync(db, chain.Deployment.Datasets, ev.Deal.Dataset, "dataset", log.BlockNumber, ct);
                deal.DatasetChecksum = dataset.Checksum.ToString();
                deal.DatasetLocation = dataset.Location;
            }
            deal.CategorySeconds = await CategorySecondsAsync(ev.Deal.Category, ct);
            taskInputs = await TaskInputsAsync(ev, ct);
        }
        catch (Exception e) when (e is not (ChainUnreachableException or OperationCanceledException))
        {
            var why = e is UnreadableAssetException or InputListRefusedException ? e.Message : $"its assets or category could not be read from the chain: {e.Message.Split('\n')[0]}";
            deal.Status = DealStatus.Refused;
            deal.Reason = why;
            deal.AppChecksum = "";
            db.Deals.Add(deal);
            History.Record(db, "deal", dealId, null, deal.Status.ToString(), why, nowMs);
            SchedulerLog.DealRefused(logger, dealId, why);
            return;
        }
        deal.Status = DealStatus.Active;
        deal.Reason = $"created in block {log.BlockNumber}";
        deal.HasInputs = taskInputs is not null;
        db.Deals.Add(deal);
        History.Record(db, "deal", dealId, null, deal.Status.ToString(), deal.Reason, nowMs);
        var hash = new Hash32(ev.DealId);
        for (long i = 0; i < ev.Deal.Volume; i++)
        {
            var task = new TaskEntity
            {
                TaskId = Ids.TaskId(hash, i).ToString(), DealId = dealId, Index = i,
                Status = TaskStatus.Pending, Reason = "waiting for a worker", UpdatedAtMs = nowMs,
                Inputs = taskInputs is null ? null : Protocol.Deals.TaskInputList.TaskToJson(taskInputs[(int)i]),
            };
            db.Tasks.Add(task);
            History.Record(db, TaskStateMachine.Entity, task.TaskId, null, task.Status.ToString(), $"deal {dealId} created in block {log.BlockNumber}", nowMs);
        }
        SchedulerLog.DealIngested(logger, dealId, ev.Deal.Volume, ev.Deal.Trust, log.BlockNumber);
    }

    /// <summary>Each task's own files, arguments and environment when the params pin an input list (<see cref="InputListFetcher"/>), else null;
    /// a pin that is malformed, or a list that cannot be used, throws <see cref="InputListRefusedException"/>.</summary>
    private async Task<IReadOnlyList<Protocol.Deals.TaskEntry>?> TaskInputsAsync(DealCreatedEvent ev, CancellationToken ct)
    {
        Protocol.Deals.InputListPin? pin;
        try
        {
            pin = Protocol.Deals.InputListPin.Read(ev.Params);
        }
        catch (FormatException e)
        {
            throw new InputListRefusedException(e.Message, e);
        }
        return pin is null ? null : await inputs.FetchAsync(pin, ev.Deal.Volume, ct);
    }

    private static void Locate(DealEntity deal, LoggedEvent<DealCreatedEvent> log)
    {
        deal.CreatedBlock = log.BlockNumber;
        deal.CreatedBlockHash = log.BlockHash;
        deal.CreatedTransaction = log.TransactionHash;
    }

    /// <summary>Logs come from outside: a deal this scheduler cannot settle or that would flood the database is recorded, not run.</summary>
    private string? Refusal(DealCreatedEvent ev, SchedulerOptions o)
    {
        if (ev.Deal.Workerpool != o.Workerpool) return $"deal of workerpool {ev.Deal.Workerpool}, not of this pool {o.Workerpool}";
        if (!Addresses.AreEqual(ev.Deal.Scheduler, chain.Address))
            return $"the deal names scheduler {ev.Deal.Scheduler}, not this scheduler {chain.Address}: only it can settle";
        if (ev.Deal.Volume == 0) return "the deal has no tasks";
        if (ev.Deal.Volume > o.MaxVolume) return $"the deal has {ev.Deal.Volume} tasks, more than this scheduler's limit of {o.MaxVolume}";
        // The chain checked the pool order offered every tier asked; a pool order that offered more than the pool gives is
        // the pool's mistake, refused here before any work (its stake pays for it at the deadline).
        if (ResourceTag.Shortfall(ev.Deal.Tag, ResourceTag.Offering(o.Offer)) is { } shortfall)
            return $"the deal asks for more than this pool gives a task ({shortfall})";
        return null;
    }

    /// <summary>The asset read by id (never a log scan over the whole chain): from this process's cache, else from an
    /// earlier deal of the same asset (its checksum never changes), else from the registry (<see cref="ChainReader.ContentAsync"/>).</summary>
    private async Task<RegisteredContent> AssetAsync(SchedulerDb db, string registry, System.Numerics.BigInteger id, string kind, long atBlock, CancellationToken ct)
    {
        var key = registry + ":" + id;
        if (_assets.TryGetValue(key, out var cached)) return cached;
        var idText = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        RegisteredContent? found = null;
        if (kind == "app")
        {
            var known = await db.Deals.AsNoTracking().Where(d => d.App == idText && d.AppChecksum != "")
                .OrderByDescending(d => d.CreatedBlock).Select(d => new { d.AppChecksum, d.AppLocation }).FirstOrDefaultAsync(ct);
            if (known is not null) found = new RegisteredContent(id, Hash32.Parse(known.AppChecksum), known.AppLocation, "");
        }
        else
        {
            var known = await db.Deals.AsNoTracking().Where(d => d.Dataset == idText && d.DatasetChecksum != null)
                .OrderByDescending(d => d.CreatedBlock).Select(d => new { d.DatasetChecksum, d.DatasetLocation }).FirstOrDefaultAsync(ct);
            if (known is not null) found = new RegisteredContent(id, Hash32.Parse(known.DatasetChecksum!), known.DatasetLocation ?? "", "");
        }
        found ??= await reader.ContentAsync(registry, id, atBlock, Math.Max(1, options.Value.MaxLogRange), ct)
            ?? throw new UnreadableAssetException($"{kind} {id} is not registered in registry {registry}");
        _assets[key] = found;
        return found;
    }

    private sealed class UnreadableAssetException(string message) : Exception(message);

    private async Task<long> CategorySecondsAsync(uint category, CancellationToken ct)
    {
        if (_categories.TryGetValue(category, out var seconds)) return seconds;
        seconds = (long)await chain.CategoryTimeAsync(category, ct);
        _categories[category] = seconds;
        return seconds;
    }
}
