using Hearth.Chain.Market;
using Hearth.Chain.Transactions;
using Hearth.Protocol;
using Hearth.Protocol.Deals;
using Hearth.Scheduler.Engine;
using Hearth.Scheduler.Persistence;
using Hearth.Scheduler.Replication;
using Hearth.Scheduler.State;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskStatus = Hearth.Scheduler.State.TaskStatus;

namespace Hearth.Scheduler.Settlement;

/// <summary>
/// Settles tasks with consensus in batches (one transaction per deal and batch, gas paid by the scheduler). A task is
/// marked Settling and saved before its transaction is sent, and a task that was Settling is checked on chain
/// (isTaskDone) before it is ever sent again: a task is never settled twice.
/// </summary>
public sealed class Settler(
    IDbContextFactory<SchedulerDb> dbs,
    SchedulerGate gate,
    HearthClient chain,
    WorkerScores scores,
    ChainClock chainClock,
    SchedulerSignals signals,
    IOptions<SchedulerOptions> options,
    TimeProvider time,
    ILogger<Settler> logger)
{
    /// <summary>After a restart: a task left Settling was either mined or not; the chain says which.</summary>
    public async Task RecoverAsync(CancellationToken ct)
    {
        List<TaskEntity> settling;
        await using (var peek = await dbs.CreateDbContextAsync(ct))
            settling = await peek.Tasks.AsNoTracking().Where(t => t.Status == TaskStatus.Settling).ToListAsync(ct);
        var done = new HashSet<string>();
        foreach (var t in settling)
            if (await chain.IsTaskDoneAsync(Hash32.Parse(t.DealId), t.Index, ct)) done.Add(t.TaskId);

        using var _ = await gate.EnterAsync(ct);
        await using var db = await dbs.CreateDbContextAsync(ct);
        var nowMs = Now();
        foreach (var t in await db.Tasks.Where(t => t.Status == TaskStatus.Settling).ToListAsync(ct))
        {
            if (done.Contains(t.TaskId)) TaskStateMachine.Move(db, t, TaskStatus.Settled, "found settled on chain after a restart", nowMs);
            else TaskStateMachine.Move(db, t, TaskStatus.ConsensusReached, "the settlement was not mined before a restart; settling again", nowMs);
        }
        await db.SaveChangesAsync(ct);
        if (settling.Count > 0) SchedulerLog.SettlementRecovered(logger, settling.Count, done.Count);
    }

    /// <summary>Settles every batch that is full or has waited long enough; returns the number of tasks settled.</summary>
    public async Task<int> SettleDueAsync(CancellationToken ct)
    {
        var o = options.Value;
        List<(string DealId, List<string> Tasks)> due = [];
        await using (var db = await dbs.CreateDbContextAsync(ct))
        {
            var ready = await (from t in db.Tasks
                               join d in db.Deals on t.DealId equals d.DealId
                               where t.Status == TaskStatus.ConsensusReached && d.Status == DealStatus.Active
                               orderby d.CreatedBlock, t.Index
                               select new { t.TaskId, t.DealId, t.ConsensusAtMs, d.Deadline }).ToListAsync(ct);
            var oldestAllowed = Now() - o.SettlementMaxDelayMs;
            var dealIds = ready.Select(r => r.DealId).Distinct().ToList();
            // A deal whose every task is either ready here or already finished cannot grow its batch by waiting: settle it
            // now. Counting against the deal's volume keeps this safe from a task reaching consensus between the two reads.
            var volumes = await db.Deals.Where(d => dealIds.Contains(d.DealId)).ToDictionaryAsync(d => d.DealId, d => (long)d.Volume, ct);
            var finished = await db.Tasks
                .Where(t => dealIds.Contains(t.DealId) && (t.Status == TaskStatus.Settling || t.Status == TaskStatus.Settled || t.Status == TaskStatus.Failed))
                .GroupBy(t => t.DealId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => (long)g.Count, ct);
            foreach (var deal in ready.GroupBy(r => r.DealId))
            {
                if (chainClock.Timestamp is { } chainNow && chainNow >= deal.First().Deadline) continue; // the sweeper fails them
                var tasks = deal.ToList();
                var nothingToWaitFor = tasks.Count + finished.GetValueOrDefault(deal.Key) >= volumes.GetValueOrDefault(deal.Key, long.MaxValue);
                if (!nothingToWaitFor && tasks.Count < o.SettlementBatchSize && tasks.Min(t => t.ConsensusAtMs ?? 0) > oldestAllowed) continue;
                foreach (var chunk in tasks.Chunk(o.SettlementBatchSize))
                    due.Add((deal.Key, chunk.Select(t => t.TaskId).ToList()));
            }
        }
        var settled = 0;
        foreach (var (dealId, tasks) in due)
            settled += await SettleBatchAsync(dealId, tasks, ct);
        return settled;
    }

    private async Task<int> SettleBatchAsync(string dealId, List<string> taskIds, CancellationToken ct)
    {
        var batch = await BeginAsync(dealId, taskIds, ct);
        if (batch is null) return 0;
        try
        {
            var tx = await chain.SettleAsync(batch.Deal, Hash32.Parse(dealId), batch.Contributions, options.Value.ResultLocation, ct);
            await FinishAsync(batch.TaskIds, tx, ct);
            // Scores and stakes move only where a task had several contributions (a slash, a score) or a trust above 2 (a lone
            // contribution is then scored); a batch of lone results at trust 1-2 changes neither, so the cache stays.
            if (batch.Contributions.Count > batch.TaskIds.Count || batch.Deal.Trust > 2) scores.Invalidate();
            SchedulerLog.Settled(logger, batch.TaskIds.Count, dealId, tx.Hash, tx.GasUsed);
            return batch.TaskIds.Count;
        }
        catch (ContractRevertException e) when (batch.TaskIds.Count > 1)
        {
            // One bad task refuses the whole batch: settle each alone, so only that one waits or fails.
            SchedulerLog.BatchRefused(logger, dealId, e.Message);
            if (e.ErrorName == "InsufficientStake") scores.Invalidate(); // a stake moved since it was read
            await ReleaseAsync(batch.TaskIds, $"its batch was refused ({e.Message}); settling it alone", ct);
            var n = 0;
            foreach (var id in batch.TaskIds) n += await SettleBatchAsync(dealId, [id], ct);
            return n;
        }
        catch (ContractRevertException e)
        {
            await RefusedAsync(dealId, batch.TaskIds.Single(), e, ct);
            return 0;
        }
        catch (Exception e) when (e is ChainUnreachableException or TimeoutException or Nethereum.JsonRpc.Client.RpcResponseException)
        {
            // Maybe mined, maybe not: the task stays marked as attempted, and the next attempt asks the chain first.
            await ReleaseAsync(batch.TaskIds, $"settlement not confirmed ({e.Message}); retrying", ct);
            SchedulerLog.SettlementFailed(logger, dealId, e);
            return 0;
        }
    }

    private sealed record Batch(Deal Deal, List<string> TaskIds, List<Contribution> Contributions);

    /// <summary>
    /// Marks the tasks Settling (persisted before anything is sent) and builds the calldata in the contract's order. Only
    /// contributions the workers' stakes back go in (<see cref="BatchBacking"/>): a task that would overdraw a worker in this
    /// batch waits for the next one, and a task whose consensus needed an unbacked contribution is judged again.
    /// </summary>
    private async Task<Batch?> BeginAsync(string dealId, List<string> taskIds, CancellationToken ct)
    {
        IReadOnlyDictionary<string, WorkerStanding> standings;
        await using (var peek = await dbs.CreateDbContextAsync(ct))
        {
            // A task already attempted may have been mined without us seeing the receipt.
            var attempted = await peek.Tasks.AsNoTracking().Where(t => taskIds.Contains(t.TaskId) && t.SettleAttempts > 0).ToListAsync(ct);
            foreach (var t in attempted)
            {
                if (!await chain.IsTaskDoneAsync(Hash32.Parse(dealId), t.Index, ct)) continue;
                await MarkDoneElsewhereAsync(t.TaskId, ct);
                taskIds = taskIds.Where(id => id != t.TaskId).ToList();
            }
            if (taskIds.Count == 0) return null;
            // Stakes are chain reads: taken outside the gate, like every other.
            var workers = await peek.Replicates.AsNoTracking()
                .Where(r => taskIds.Contains(r.TaskId) && (r.Status == ReplicateStatus.Agreed || r.Status == ReplicateStatus.Disagreed))
                .Select(r => r.Worker).Distinct().ToListAsync(ct);
            standings = await scores.GetManyAsync(workers, ct);
        }

        using var _ = await gate.EnterAsync(ct);
        await using var db = await dbs.CreateDbContextAsync(ct);
        var nowMs = Now();
        var deal = await db.Deals.SingleAsync(d => d.DealId == dealId, ct);
        var tasks = await db.Tasks.Where(t => taskIds.Contains(t.TaskId) && t.Status == TaskStatus.ConsensusReached).OrderBy(t => t.Index).ToListAsync(ct);
        if (tasks.Count == 0) return null;
        var candidateIds = tasks.Select(t => t.TaskId).ToList();
        var judged = (await db.Replicates
            .Where(r => candidateIds.Contains(r.TaskId) && (r.Status == ReplicateStatus.Agreed || r.Status == ReplicateStatus.Disagreed)).ToListAsync(ct)).ToLookup(r => r.TaskId);
        var selection = BatchBacking.Select(tasks.Select(t => (t, (IReadOnlyList<ReplicateEntity>)judged[t.TaskId].ToList())), deal, standings);

        foreach (var t in selection.Rejudged)
        {
            foreach (var r in judged[t.TaskId])
                ReplicateStateMachine.Move(db, r, ReplicateStatus.Contributed, "judged again: a contributor's stake no longer backs the deal's worker stake", nowMs);
            t.ConsensusDigest = null;
            TaskStateMachine.Move(db, t, TaskStatus.Contributed,
                $"a contributor's stake no longer backs the deal's worker stake of {deal.WorkerStake}: without its contribution the consensus does not stand; adding replicates", nowMs);
        }
        if (selection.Deferred.Count + selection.Rejudged.Count > 0)
            SchedulerLog.SettlementHeldBack(logger, dealId, selection.Deferred.Count, selection.Rejudged.Count);

        var contributions = new List<Contribution>();
        foreach (var (t, backed) in selection.Included)
        {
            // Disagreeing contributions go too: the contract slashes those workers and the consensus counts them.
            foreach (var r in backed)
                contributions.Add(ContributionSigning.ToContribution(t.Index, Hash32.Parse(r.Digest!), Convert.FromHexString(r.Signature!.AsSpan(2))));
            t.SettleAttempts++;
            TaskStateMachine.Move(db, t, TaskStatus.Settling, $"sending the settlement of {selection.Included.Count} task(s) of deal {dealId} (attempt {t.SettleAttempts})", nowMs);
        }
        await db.SaveChangesAsync(ct);
        if (selection.Rejudged.Count > 0) signals.PlacementNeeded.Fire();
        if (selection.Included.Count == 0) return null;
        return new Batch(deal.ToDeal(), selection.Included.Select(x => x.Task.TaskId).ToList(), contributions);
    }

    private async Task FinishAsync(List<string> taskIds, TransactionResult tx, CancellationToken ct)
    {
        using var _ = await gate.EnterAsync(CancellationToken.None);
        await using var db = await dbs.CreateDbContextAsync(CancellationToken.None);
        var nowMs = Now();
        foreach (var t in await db.Tasks.Where(t => taskIds.Contains(t.TaskId)).ToListAsync(CancellationToken.None))
        {
            t.SettlementTx = tx.Hash;
            TaskStateMachine.Move(db, t, TaskStatus.Settled, $"settled in transaction {tx.Hash} (block {tx.BlockNumber}, {taskIds.Count} task(s) in the batch)", nowMs);
        }
        // Once mined, the record must be written even if the host is stopping: hence no cancellation here.
        await db.SaveChangesAsync(CancellationToken.None);
        ct.ThrowIfCancellationRequested();
    }

    private async Task ReleaseAsync(List<string> taskIds, string reason, CancellationToken ct)
    {
        using var _ = await gate.EnterAsync(CancellationToken.None);
        await using var db = await dbs.CreateDbContextAsync(CancellationToken.None);
        var nowMs = Now();
        foreach (var t in await db.Tasks.Where(t => taskIds.Contains(t.TaskId) && t.Status == TaskStatus.Settling).ToListAsync(CancellationToken.None))
            TaskStateMachine.Move(db, t, TaskStatus.ConsensusReached, reason, nowMs);
        await db.SaveChangesAsync(CancellationToken.None);
        ct.ThrowIfCancellationRequested();
    }

    private async Task MarkDoneElsewhereAsync(string taskId, CancellationToken ct)
    {
        using var _ = await gate.EnterAsync(ct);
        await using var db = await dbs.CreateDbContextAsync(ct);
        var t = await db.Tasks.SingleAsync(x => x.TaskId == taskId, ct);
        if (t.Status is TaskStatus.ConsensusReached or TaskStatus.Settling)
            TaskStateMachine.Move(db, t, TaskStatus.Settled, "found settled on chain by an earlier attempt whose receipt was not seen", Now());
        await db.SaveChangesAsync(ct);
    }

    /// <summary>The chain refused one task: the decoded reason decides whether it waits for more contributions, retries or fails.</summary>
    private async Task RefusedAsync(string dealId, string taskId, ContractRevertException e, CancellationToken ct)
    {
        SchedulerLog.SettlementRefused(logger, taskId, e.Message);
        var attemptsAllowed = options.Value.SettlementAttempts;
        using var _ = await gate.EnterAsync(ct);
        await using var db = await dbs.CreateDbContextAsync(ct);
        var nowMs = Now();
        var t = await db.Tasks.SingleAsync(x => x.TaskId == taskId, ct);
        if (t.Status != TaskStatus.Settling) return;
        switch (e.ErrorName)
        {
            case "DeadlinePassed":
                TaskStateMachine.Move(db, t, TaskStatus.Failed, Engine.Sweeper.DeadlineReason, nowMs);
                break;
            case "TaskAlreadyDone":
                TaskStateMachine.Move(db, t, TaskStatus.Failed, $"the chain reports it already settled or refunded ({e.Message})", nowMs);
                break;
            case "NoConsensus":
                // Scores moved since the prediction: judge again with fresh scores, and add replicates if needed.
                scores.Invalidate();
                foreach (var r in await db.Replicates.Where(r => r.TaskId == taskId && (r.Status == ReplicateStatus.Agreed || r.Status == ReplicateStatus.Disagreed)).ToListAsync(ct))
                    ReplicateStateMachine.Move(db, r, ReplicateStatus.Contributed, "the chain found no consensus; judged again", nowMs);
                t.ConsensusDigest = null;
                TaskStateMachine.Move(db, t, TaskStatus.Contributed, $"the chain found no consensus ({e.Message}); adding replicates", nowMs);
                signals.PlacementNeeded.Fire();
                break;
            case "InsufficientStake" when t.SettleAttempts < attemptsAllowed:
                // A stake moved since it was read: the next attempt reads it again and leaves out what it no longer backs.
                scores.Invalidate();
                TaskStateMachine.Move(db, t, TaskStatus.ConsensusReached, $"settlement refused: {e.Message}; reading the workers' stakes again", nowMs);
                break;
            default:
                if (t.SettleAttempts >= attemptsAllowed) TaskStateMachine.Move(db, t, TaskStatus.Failed, $"settlement refused {t.SettleAttempts} times: {e.Message}", nowMs);
                else TaskStateMachine.Move(db, t, TaskStatus.ConsensusReached, $"settlement refused: {e.Message}; retrying", nowMs);
                break;
        }
        await db.SaveChangesAsync(ct);
    }

    private long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();
}
