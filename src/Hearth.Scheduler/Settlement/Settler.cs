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
using Nethereum.JsonRpc.Client;
using Nethereum.RPC.Eth.DTOs;
using TaskStatus = Hearth.Scheduler.State.TaskStatus;

namespace Hearth.Scheduler.Settlement;

/// <summary>
/// Settles tasks with consensus in batches (one transaction per deal and batch, gas paid by the scheduler). A task is
/// marked Settling and saved before its transaction is sent; once anything may have been sent, only the chain takes it
/// out of Settling: a receipt, a revert, or, when neither was seen (an RPC timeout, a node gone away, a database error
/// after sending, a transaction not mined in time), what <c>isTaskDone</c> and the TaskSettled/TaskRefunded events say,
/// checked every <see cref="SchedulerOptions.SettlementCheckIntervalMs"/>. Nothing that happens after sending fails a
/// task. A settlement not mined within <see cref="SchedulerOptions.SettlementResendAfterSeconds"/> is sent again, and a
/// task that was attempted is checked with <c>isTaskDone</c> before it is ever sent again: a task is never settled twice.
/// </summary>
public sealed class Settler(
    IDbContextFactory<SchedulerDb> dbs,
    SchedulerGate gate,
    HearthClient chain,
    Hearth.Chain.Watching.ChainReader reader,
    WorkerScores scores,
    ChainClock chainClock,
    SchedulerSignals signals,
    IOptions<SchedulerOptions> options,
    TimeProvider time,
    ILogger<Settler> logger)
{
    // Used by the settlement loop only (and by start-up, before the loop runs): no send is in flight while Settling tasks
    // are checked.
    private HearthClient? _sender;
    private long _nextCheckTicks;

    /// <summary>After a restart: a task left Settling was either mined or not; the chain says which. Not mined: sent again.</summary>
    public async Task RecoverAsync(CancellationToken ct)
    {
        var (count, outcome) = await ReconcileAsync(afterRestart: true, ct);
        if (count > 0) SchedulerLog.SettlementRecovered(logger, count, outcome.Settled);
    }

    /// <summary>Settles every batch that is full or has waited long enough; returns the number of tasks settled.</summary>
    public async Task<int> SettleDueAsync(CancellationToken ct)
    {
        await CheckSettlingAsync(ct);
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

    /// <summary>Checks the tasks left Settling against the chain, at most every <see cref="SchedulerOptions.SettlementCheckIntervalMs"/>.</summary>
    private async Task CheckSettlingAsync(CancellationToken ct)
    {
        var now = Environment.TickCount64; // a cadence, not a protocol deadline: the machine's monotonic clock
        if (now < _nextCheckTicks) return;
        _nextCheckTicks = now + options.Value.SettlementCheckIntervalMs;
        await ReopenReorganisedAsync(ct);
        var (count, o) = await ReconcileAsync(afterRestart: false, ct);
        if (o.Settled + o.Resent + o.Failed > 0) SchedulerLog.SettlementReconciled(logger, count, o.Settled, o.Resent, o.Failed);
    }

    private sealed record Outcome(int Settled, int Resent, int Failed);

    /// <summary>
    /// Settled tasks whose settlement was mined in the last <see cref="SchedulerOptions.SettlementReorgWindowBlocks"/> blocks
    /// are checked by their block's hash: a block no longer on the chain (a reorganisation took it) reopens its tasks as
    /// Settling, and the reconciliation that follows asks the chain what became of them (settled on the new branch, or
    /// sent again). One block read per distinct settlement block in the window.
    /// </summary>
    private async Task ReopenReorganisedAsync(CancellationToken ct)
    {
        var window = options.Value.SettlementReorgWindowBlocks;
        if (window <= 0) return;
        var from = await reader.HeadAsync(ct) - window;
        List<(long Block, string Hash)> recent;
        await using (var peek = await dbs.CreateDbContextAsync(ct))
            recent = (await peek.Tasks.AsNoTracking()
                    .Where(t => t.Status == TaskStatus.Settled && t.SettledBlock >= from && t.SettledBlockHash != null)
                    .Select(t => new { t.SettledBlock, t.SettledBlockHash }).Distinct().ToListAsync(ct))
                .Select(b => (b.SettledBlock!.Value, b.SettledBlockHash!)).ToList();
        var gone = new List<(long Block, string Hash)>();
        foreach (var (block, hash) in recent)
            if (!string.Equals((await reader.BlockAsync(block, ct))?.Hash, hash, StringComparison.OrdinalIgnoreCase)) gone.Add((block, hash));
        if (gone.Count == 0) return;

        var reopened = 0;
        using (await gate.EnterAsync(ct))
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            var nowMs = Now();
            var blocks = gone.Select(g => g.Block).ToList();
            foreach (var t in await db.Tasks.Where(t => t.Status == TaskStatus.Settled && t.SettledBlock != null && blocks.Contains(t.SettledBlock.Value)).ToListAsync(ct))
            {
                if (!gone.Contains((t.SettledBlock!.Value, t.SettledBlockHash!))) continue;
                t.SettleSentAtMs = 0;
                TaskStateMachine.Move(db, t, TaskStatus.Settling,
                    $"the block {t.SettledBlock} of its settlement {t.SettlementTx} is no longer on the chain (reorganised away); checking the chain", nowMs);
                reopened++;
            }
            await db.SaveChangesAsync(ct);
        }
        SchedulerLog.SettlementReorganised(logger, reopened, gone.Count);
    }

    /// <summary>
    /// Every task left Settling: done on chain, it is Settled (or Failed when it was refunded); not done past the deal's
    /// deadline, it fails (the chain would refuse it); not done and sent longer ago than the resend time (or before a
    /// restart), it goes back to ConsensusReached to be sent again, after <see cref="BeginAsync"/> checks the chain once more.
    /// </summary>
    private async Task<(int Count, Outcome Outcome)> ReconcileAsync(bool afterRestart, CancellationToken ct)
    {
        List<TaskEntity> settling;
        Dictionary<string, DealEntity> deals;
        await using (var peek = await dbs.CreateDbContextAsync(ct))
        {
            settling = await peek.Tasks.AsNoTracking().Where(t => t.Status == TaskStatus.Settling).ToListAsync(ct);
            if (settling.Count == 0) return (0, new Outcome(0, 0, 0));
            var dealIds = settling.Select(t => t.DealId).Distinct().ToList();
            deals = await peek.Deals.AsNoTracking().Where(d => dealIds.Contains(d.DealId)).ToDictionaryAsync(d => d.DealId, StringComparer.Ordinal, ct);
        }
        // The chain's time before its state: a deadline already passed then is passed for whatever isTaskDone reads after.
        var chainNow = chainClock.Timestamp;
        var facts = await ReadChainAsync(settling, deals, ct);

        var o = options.Value;
        var resendAfterMs = o.SettlementResendAfterSeconds * 1_000L;
        int settled = 0, resent = 0, failed = 0;
        using (await gate.EnterAsync(ct))
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            var nowMs = Now();
            var ids = settling.Select(t => t.TaskId).ToList();
            foreach (var t in await db.Tasks.Where(t => ids.Contains(t.TaskId) && t.Status == TaskStatus.Settling).ToListAsync(ct))
            {
                var fact = facts[t.TaskId];
                if (fact.Done)
                {
                    if (Resolve(db, t, fact, afterRestart ? "checked after a restart" : "checked as its settlement's outcome was not seen", nowMs)) settled++;
                    else failed++;
                }
                else if (chainNow is { } chainTime && deals.TryGetValue(t.DealId, out var deal) && chainTime >= deal.Deadline)
                {
                    TaskStateMachine.Move(db, t, TaskStatus.Failed, Engine.Sweeper.DeadlineReason, nowMs);
                    failed++;
                }
                else if (afterRestart)
                {
                    TaskStateMachine.Move(db, t, TaskStatus.ConsensusReached, "the settlement was not mined before a restart; settling again", nowMs);
                    resent++;
                }
                else if (nowMs - (t.SettleSentAtMs ?? t.UpdatedAtMs) >= resendAfterMs)
                {
                    TaskStateMachine.Move(db, t, TaskStatus.ConsensusReached,
                        $"its settlement was not mined within {o.SettlementResendAfterSeconds} s ({SchedulerOptions.SectionName}:{nameof(SchedulerOptions.SettlementResendAfterSeconds)}) and the chain shows it not done; sending it again", nowMs);
                    resent++;
                }
            }
            await db.SaveChangesAsync(ct);
        }
        if (resent > 0)
        {
            // What was sent was not mined (or was reorganised away): the account's nonce on chain may be behind the one this
            // sender counted, and a transaction with a nonce ahead of the chain's would wait for ever. Read it again.
            _sender = null;
            signals.SettlementNeeded.Fire();
        }
        return (settling.Count, new Outcome(settled, resent, failed));
    }

    /// <summary>What the chain says of a task: done or not, and when done the transaction that settled or refunded it, if found.</summary>
    private sealed record ChainFact(bool Done, bool Refunded = false, string? Transaction = null, long? Block = null, string? BlockHash = null);

    private async Task<Dictionary<string, ChainFact>> ReadChainAsync(IEnumerable<TaskEntity> tasks, IReadOnlyDictionary<string, DealEntity> deals, CancellationToken ct)
    {
        var facts = new Dictionary<string, ChainFact>(StringComparer.Ordinal);
        foreach (var deal in tasks.GroupBy(t => t.DealId))
        {
            var done = new List<TaskEntity>();
            foreach (var t in deal)
            {
                if (await chain.IsTaskDoneAsync(Hash32.Parse(t.DealId), t.Index, ct)) done.Add(t);
                else facts[t.TaskId] = new ChainFact(false);
            }
            if (done.Count == 0) continue;
            var events = await DoneEventsAsync(deal.Key, deals.TryGetValue(deal.Key, out var d) ? d.CreatedBlock : chain.Deployment.Block, ct);
            foreach (var t in done) facts[t.TaskId] = events.GetValueOrDefault(t.Index) ?? new ChainFact(true);
        }
        return facts;
    }

    /// <summary>The deal's TaskSettled and TaskRefunded events since <paramref name="fromBlock"/>, by task index, read in ranges of <see cref="SchedulerOptions.MaxLogRange"/> blocks.</summary>
    private async Task<Dictionary<long, ChainFact>> DoneEventsAsync(string dealId, long fromBlock, CancellationToken ct)
    {
        var head = await chain.BlockNumberAsync(ct);
        var range = Math.Max(1, options.Value.MaxLogRange);
        var settledEvent = chain.MarketContract.GetEvent<TaskSettledEvent>();
        var refundedEvent = chain.MarketContract.GetEvent<TaskRefundedEvent>();
        var found = new Dictionary<long, ChainFact>();
        for (var from = fromBlock; from <= head; from += range)
        {
            ct.ThrowIfCancellationRequested();
            var to = Math.Min(head, from + range - 1);
            try
            {
                foreach (var log in await settledEvent.GetAllChangesAsync(OfDeal(settledEvent.CreateFilterInput(new BlockParameter((ulong)from), new BlockParameter((ulong)to)), dealId)))
                    found[(long)log.Event.Task] = new ChainFact(true, false, log.Log.TransactionHash, (long)log.Log.BlockNumber.Value, log.Log.BlockHash);
                foreach (var log in await refundedEvent.GetAllChangesAsync(OfDeal(refundedEvent.CreateFilterInput(new BlockParameter((ulong)from), new BlockParameter((ulong)to)), dealId)))
                    found[(long)log.Event.Task] = new ChainFact(true, true, log.Log.TransactionHash, (long)log.Log.BlockNumber.Value);
            }
            catch (RpcClientUnknownException e)
            {
                throw new ChainUnreachableException($"reading the settlements of deal {dealId}: the chain's JSON-RPC endpoint does not answer ({e.InnerException?.Message ?? e.Message})", e);
            }
        }
        return found;
    }

    private static NewFilterInput OfDeal(NewFilterInput filter, string dealId)
    {
        filter.Topics = [filter.Topics[0], dealId];
        return filter;
    }

    /// <summary>Records what the chain says of a task it shows done; true when settled, false when refunded. Callers hold the gate.</summary>
    private static bool Resolve(SchedulerDb db, TaskEntity t, ChainFact fact, string context, long nowMs)
    {
        if (fact.Refunded)
        {
            TaskStateMachine.Move(db, t, TaskStatus.Failed, $"refunded on chain in transaction {fact.Transaction} (block {fact.Block}): the requester claimed it after the deadline; {context}", nowMs);
            return false;
        }
        if (fact.Transaction is not null) (t.SettlementTx, t.SettledBlock, t.SettledBlockHash) = (fact.Transaction, fact.Block, fact.BlockHash);
        var where = fact.Transaction is null ? "found done on chain" : $"found settled on chain in transaction {fact.Transaction} (block {fact.Block})";
        TaskStateMachine.Move(db, t, TaskStatus.Settled, $"{where}: {context}", nowMs);
        return true;
    }

    /// <summary>Asks the chain about tasks of one deal (Settling or ConsensusReached) and records those it shows done; returns their ids.</summary>
    private async Task<HashSet<string>> ResolveFromChainAsync(string dealId, IReadOnlyCollection<string> taskIds, string context, CancellationToken ct)
    {
        List<TaskEntity> tasks;
        Dictionary<string, DealEntity> deals;
        await using (var peek = await dbs.CreateDbContextAsync(ct))
        {
            tasks = await peek.Tasks.AsNoTracking().Where(t => taskIds.Contains(t.TaskId)).ToListAsync(ct);
            deals = await peek.Deals.AsNoTracking().Where(d => d.DealId == dealId).ToDictionaryAsync(d => d.DealId, StringComparer.Ordinal, ct);
        }
        var facts = await ReadChainAsync(tasks, deals, ct);
        var done = new HashSet<string>(StringComparer.Ordinal);
        using (await gate.EnterAsync(ct))
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            var nowMs = Now();
            foreach (var t in await db.Tasks.Where(t => taskIds.Contains(t.TaskId)).ToListAsync(ct))
            {
                if (t.Status is not (TaskStatus.Settling or TaskStatus.ConsensusReached) || !facts[t.TaskId].Done) continue;
                Resolve(db, t, facts[t.TaskId], context, nowMs);
                done.Add(t.TaskId);
            }
            await db.SaveChangesAsync(ct);
        }
        return done;
    }

    /// <summary>The client that sends settlements: a fresh one (its nonce read from the node) after anything went wrong after sending.</summary>
    private HearthClient Sender()
    {
        if (_sender is not null) return _sender;
        var o = options.Value;
        var sender = new TransactionSender(o.RpcUrl, o.SchedulerPrivateKey, o.ChainId,
            new SenderOptions
            {
                ReceiptTimeout = TimeSpan.FromSeconds(o.SettlementResendAfterSeconds),
                // A settlement priced under a rising market is replaced at a higher price, four times before it is given up.
                FeeBumpAfter = TimeSpan.FromSeconds(o.SettlementResendAfterSeconds / 5.0),
            });
        return _sender = new HearthClient(sender, o.Deployment ?? chain.Deployment);
    }

    private async Task<int> SettleBatchAsync(string dealId, List<string> taskIds, CancellationToken ct)
    {
        var batch = await BeginAsync(dealId, taskIds, ct);
        if (batch is null) return 0;
        TransactionResult tx;
        try
        {
            tx = batch.Runs is { } runs
                ? await Sender().SettleRunsAsync(batch.Deal, Hash32.Parse(dealId), runs, options.Value.ResultLocation, ct)
                : await Sender().SettleAsync(batch.Deal, Hash32.Parse(dealId), batch.Contributions, options.Value.ResultLocation, ct);
        }
        catch (ContractRevertException e) when (batch.TaskIds.Count > 1)
        {
            // Refused before sending, or mined and reverted: nothing of it was settled by this transaction. One bad task
            // refuses the whole batch: settle each alone, so only that one waits or fails.
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
        catch (Exception e)
        {
            // Maybe sent, maybe mined (an RPC timeout, a node gone away, a receipt not seen in time): never a failure. The
            // tasks stay Settling until the chain says what became of them; the next sender reads its nonce from the node.
            _sender = null;
            if (e is OperationCanceledException && ct.IsCancellationRequested) throw;
            SchedulerLog.SettlementFailed(logger, dealId, e);
            await UnconfirmedAsync(batch.TaskIds, e, ct);
            return 0;
        }
        // Once mined, the record is written even if the host is stopping. Should it fail (the database), the tasks stay
        // Settling and the next check finds them settled on chain.
        await FinishAsync(batch.TaskIds, tx, ct);
        // Scores and stakes move only where a task had several contributions (a slash, a score) or a trust above 2 (a lone
        // contribution is then scored); a batch of lone results at trust 1-2 changes neither, so the cache stays.
        if (batch.Contributions.Count > batch.TaskIds.Count || batch.Deal.Trust > 2) scores.Invalidate();
        SchedulerLog.Settled(logger, batch.TaskIds.Count, dealId, tx.Hash, tx.GasUsed);
        return batch.TaskIds.Count;
    }

    /// <summary>A batch's calldata: its contributions, and the same results as runs of the workers' chains when they can go so.</summary>
    private sealed record Batch(Deal Deal, List<string> TaskIds, List<Contribution> Contributions, List<ResultRun>? Runs);

    /// <summary>
    /// Marks the tasks Settling (persisted before anything is sent) and builds the calldata in the contract's order. Only
    /// contributions the workers' stakes back go in (<see cref="BatchBacking"/>): a task that would overdraw a worker in this
    /// batch waits for the next one, and a task whose consensus needed an unbacked contribution is judged again.
    /// </summary>
    private async Task<Batch?> BeginAsync(string dealId, List<string> taskIds, CancellationToken ct)
    {
        // A task already attempted may have been mined without us seeing the receipt.
        List<string> attempted;
        await using (var peek = await dbs.CreateDbContextAsync(ct))
            attempted = await peek.Tasks.AsNoTracking().Where(t => taskIds.Contains(t.TaskId) && t.SettleAttempts > 0).Select(t => t.TaskId).ToListAsync(ct);
        if (attempted.Count > 0)
        {
            var done = await ResolveFromChainAsync(dealId, attempted, "checked before sending it again: an earlier attempt's receipt was not seen", ct);
            taskIds = taskIds.Where(id => !done.Contains(id)).ToList();
        }
        if (taskIds.Count == 0) return null;

        IReadOnlyDictionary<string, WorkerStanding> standings;
        await using (var peek = await dbs.CreateDbContextAsync(ct))
        {
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
            t.SettleSentAtMs = nowMs;
            TaskStateMachine.Move(db, t, TaskStatus.Settling, $"sending the settlement of {selection.Included.Count} task(s) of deal {dealId} (attempt {t.SettleAttempts})", nowMs);
        }
        await db.SaveChangesAsync(ct);
        if (selection.Rejudged.Count > 0) signals.PlacementNeeded.Fire();
        if (selection.Included.Count == 0) return null;
        return new Batch(deal.ToDeal(), selection.Included.Select(x => x.Task.TaskId).ToList(), contributions, ResultRuns.Build(deal.Trust, selection.Included));
    }

    private async Task FinishAsync(List<string> taskIds, TransactionResult tx, CancellationToken ct)
    {
        using var _ = await gate.EnterAsync(CancellationToken.None);
        await using var db = await dbs.CreateDbContextAsync(CancellationToken.None);
        var nowMs = Now();
        foreach (var t in await db.Tasks.Where(t => taskIds.Contains(t.TaskId) && t.Status == TaskStatus.Settling).ToListAsync(CancellationToken.None))
        {
            (t.SettlementTx, t.SettledBlock, t.SettledBlockHash) = (tx.Hash, tx.BlockNumber, tx.Receipt.BlockHash);
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

    /// <summary>Anything may have been sent: the tasks stay Settling, with why, until the chain says what became of them.</summary>
    private async Task UnconfirmedAsync(List<string> taskIds, Exception e, CancellationToken ct)
    {
        var o = options.Value;
        using var _ = await gate.EnterAsync(CancellationToken.None);
        await using var db = await dbs.CreateDbContextAsync(CancellationToken.None);
        var nowMs = Now();
        foreach (var t in await db.Tasks.Where(t => taskIds.Contains(t.TaskId) && t.Status == TaskStatus.Settling).ToListAsync(CancellationToken.None))
            TaskStateMachine.Explain(db, t, $"settlement not confirmed ({e.GetType().Name}: {Clip(e.Message, 300)}): it may have been mined; the chain is asked every " +
                $"{o.SettlementCheckIntervalMs} ms, and it is sent again if not mined {o.SettlementResendAfterSeconds} s after it was sent", nowMs);
        await db.SaveChangesAsync(CancellationToken.None);
        ct.ThrowIfCancellationRequested();
    }

    /// <summary>The chain refused one task: the decoded reason decides whether it waits for more contributions, retries or fails.</summary>
    private async Task RefusedAsync(string dealId, string taskId, ContractRevertException e, CancellationToken ct)
    {
        SchedulerLog.SettlementRefused(logger, taskId, e.Message);
        // Whatever the reason (TaskAlreadyDone, or a deadline that passed while an earlier transaction was mined), a task the
        // chain shows done was settled (or refunded) by an earlier transaction, ours or one sent with this scheduler's key
        // elsewhere: the chain says which, and in which transaction. Never a failure of the task.
        if ((await ResolveFromChainAsync(dealId, [taskId], $"checked after the chain refused this settlement ({e.Message})", ct)).Count > 0)
            return;
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

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..max] + "...";

    private long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();
}
