using Hearth.Chain.Watching;
using Hearth.Scheduler.Engine;
using Hearth.Scheduler.Persistence;
using Hearth.Scheduler.State;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hearth.Scheduler.Watching;

/// <summary>
/// Follows the chain for this pool's deals: eth_getLogs from a persisted cursor (block and hash) up to head − confirmations.
/// Before moving on, it checks that the cursor's block still has the stored hash; if not, the chain was reorganised: it walks
/// back its checkpoints to the fork point, suspends the deals created above it, and rescans (a deal that reappears is restored).
/// </summary>
public sealed class ChainWatcher(
    IDbContextFactory<SchedulerDb> dbs,
    ChainReader reader,
    DealIngestor ingestor,
    ChainClock clock,
    SchedulerSignals signals,
    IOptions<SchedulerOptions> options,
    TimeProvider time,
    ILogger<ChainWatcher> logger)
{
    public const string CursorName = "deals";

    /// <summary>Whether the last poll stopped short of the safe head (a range limit), so another poll should follow at once.</summary>
    public bool Behind { get; private set; }
    private const int CheckpointsKept = 256;

    /// <summary>Processes what is available now; returns the number of deal logs read.</summary>
    public async Task<int> PollAsync(CancellationToken ct)
    {
        var o = options.Value;
        var head = await reader.HeadAsync(ct);
        if (await reader.BlockAsync(head, ct) is { } headBlock) clock.Observe(head, headBlock.Timestamp);
        var safe = head - o.Confirmations;

        await using var db = await dbs.CreateDbContextAsync(ct);
        var cursor = await db.Cursors.FindAsync([CursorName], ct);
        if (cursor is not null)
        {
            var block = await reader.BlockAsync(cursor.Block, ct);
            if (block is null || block.Hash != cursor.Hash)
            {
                await RewindAsync(db, cursor, ct);
                Behind = true;
                return 0;
            }
        }

        var from = cursor is null ? reader.Deployment.Block : cursor.Block + 1;
        Behind = false;
        if (safe < from) return 0;
        var to = Math.Min(safe, from + o.MaxLogRange - 1);
        Behind = to < safe;
        var logs = await reader.DealsCreatedAsync(o.Workerpool, from, to, ct);
        var end = await reader.BlockAsync(to, ct) ?? throw new InvalidOperationException($"block {to} vanished while reading it");
        // A log from another branch than the end block means the chain moved under us: read again next time.
        if (logs.Any(l => l.BlockNumber == to && l.BlockHash != end.Hash)) return 0;

        foreach (var log in logs)
            await ingestor.IngestAsync(db, log, ct);
        cursor ??= db.Cursors.Add(new ChainCursorEntity { Name = CursorName }).Entity;
        cursor.Block = to;
        cursor.Hash = end.Hash;
        cursor.UpdatedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        db.Checkpoints.Add(new ChainCheckpointEntity { Block = to, Hash = end.Hash });
        // Reorganisations deeper than this are not followed; the walk-back reads at most CheckpointsKept of them.
        await db.Checkpoints.Where(c => c.Block < to - 10_000).ExecuteDeleteAsync(ct);
        await db.SaveChangesAsync(ct);
        if (logs.Count > 0) signals.PlacementNeeded.Fire();
        return logs.Count;
    }

    private async Task RewindAsync(SchedulerDb db, ChainCursorEntity cursor, CancellationToken ct)
    {
        var checkpoints = await db.Checkpoints.Where(c => c.Block < cursor.Block).OrderByDescending(c => c.Block).Take(CheckpointsKept).ToListAsync(ct);
        ChainCheckpointEntity? fork = null;
        foreach (var c in checkpoints)
        {
            if ((await reader.BlockAsync(c.Block, ct))?.Hash == c.Hash)
            {
                fork = c;
                break;
            }
        }
        var stale = cursor.Block;
        var forkBlock = fork?.Block ?? reader.Deployment.Block - 1;
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var orphans = await db.Deals.Where(d => d.CreatedBlock > forkBlock && d.Status != DealStatus.Vanished).ToListAsync(ct);
        foreach (var deal in orphans)
        {
            var why = $"block {deal.CreatedBlock} that created it was reorganised away (fork after block {forkBlock}); suspended until it reappears";
            History.Record(db, "deal", deal.DealId, deal.Status.ToString(), DealStatus.Vanished.ToString(), why, nowMs);
            deal.Status = DealStatus.Vanished;
            deal.Reason = why;
        }
        await db.Checkpoints.Where(c => c.Block > forkBlock).ExecuteDeleteAsync(ct);
        if (fork is null)
        {
            db.Cursors.Remove(cursor);
        }
        else
        {
            cursor.Block = fork.Block;
            cursor.Hash = fork.Hash;
            cursor.UpdatedAtMs = nowMs;
        }
        await db.SaveChangesAsync(ct);
        SchedulerLog.Reorganised(logger, stale, forkBlock, orphans.Count);
    }
}
