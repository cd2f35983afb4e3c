using System.Collections.Concurrent;
using System.Globalization;
using System.Numerics;
using Hearth.Chain.Market;
using Hearth.Scheduler.Persistence;
using Hearth.Scheduler.State;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hearth.Scheduler.Engine;

/// <summary>
/// Which keys may be this pool's workers: those of <see cref="SchedulerOptions.AllowedWorkers"/> when it is not empty, and
/// only those whose stake (staked plus unbonding, the market's accountOf) reaches <see cref="SchedulerOptions.MinWorkerStake"/>
/// (by default the market's minWorkerStake). A stake is read at most once per <see cref="SchedulerOptions.AdmissionStakeCacheSeconds"/>
/// per worker: at login when the last read is older, and for logged-in workers by <see cref="RecheckAsync"/> (from the
/// sweeper), never in a placement round. A worker that no longer qualifies loses its row and its replicates.
/// </summary>
public sealed partial class WorkerAdmission(
    IDbContextFactory<SchedulerDb> dbs,
    SchedulerGate gate,
    SchedulerSignals signals,
    HearthClient chain,
    IOptions<SchedulerOptions> options,
    TimeProvider time,
    ILogger<WorkerAdmission> logger)
{
    /// <summary>Stakes re-read in one recheck: a restart with many rows spreads its reads over rounds.</summary>
    private const int RechecksPerRound = 64;

    private readonly ConcurrentDictionary<string, (BigInteger Backing, long ReadAtMs)> _stakes = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _allowed = new((options.Value.AllowedWorkers ?? []).Select(a => a.Trim().ToLowerInvariant()), StringComparer.Ordinal);
    private BigInteger? _marketMinimum;
    private long _nextRecheckMs;

    /// <summary>Stake reads sent to the chain by admission (logins and rechecks): what a flood of fresh keys costs.</summary>
    public long StakeReads => Interlocked.Read(ref _stakeReads);

    private long _stakeReads;

    /// <summary>The stake a worker needs, in the token's smallest unit.</summary>
    public async Task<BigInteger> MinimumAsync(CancellationToken ct)
    {
        var configured = options.Value.MinWorkerStake;
        if (!string.IsNullOrEmpty(configured)) return BigInteger.Parse(configured, NumberStyles.None, CultureInfo.InvariantCulture);
        // Immutable in the contract: read once.
        return _marketMinimum ??= await chain.MinWorkerStakeAsync(ct);
    }

    /// <summary>Why <paramref name="worker"/> (lowercase) may not be a worker of this pool, or null when it may.</summary>
    public async Task<string?> RefusalAsync(string worker, CancellationToken ct)
    {
        if (_allowed.Count > 0 && !_allowed.Contains(worker))
            return $"worker {worker} is not on this pool's list of allowed workers ({SchedulerOptions.SectionName}:{nameof(SchedulerOptions.AllowedWorkers)}); ask the pool operator to add it";
        var minimum = await MinimumAsync(ct);
        if (minimum.IsZero) return null;
        var backing = await BackingAsync(worker, ct);
        return backing >= minimum ? null
            : $"worker {worker} has a stake of {backing} (staked plus unbonding) in the market; this pool admits workers with at least {minimum} " +
              $"({SchedulerOptions.SectionName}:{nameof(SchedulerOptions.MinWorkerStake)}): stake more, then log in again " +
              $"(a stake is read at most every {options.Value.AdmissionStakeCacheSeconds} s)";
    }

    /// <summary>The worker's stake plus unbonding, read from the chain unless read within the cache period.</summary>
    private async Task<BigInteger> BackingAsync(string worker, CancellationToken ct)
    {
        var now = NowMs;
        if (_stakes.TryGetValue(worker, out var cached) && now - cached.ReadAtMs < options.Value.AdmissionStakeCacheSeconds * 1_000L) return cached.Backing;
        Interlocked.Increment(ref _stakeReads);
        var account = await chain.GetAccountAsync(worker, ct);
        var backing = account.Stake + account.Unbonding;
        _stakes[worker] = (backing, now);
        // Refused keys are remembered too (a flood of fresh keys must not grow this for ever): forget the oldest reads.
        if (_stakes.Count > 4 * options.Value.MaxLiveWorkers + 1_000) Trim(now);
        return backing;
    }

    private void Trim(long now)
    {
        var before = now - options.Value.AdmissionStakeCacheSeconds * 1_000L;
        foreach (var (key, value) in _stakes)
            if (value.ReadAtMs < before) _stakes.TryRemove(key, out _);
        if (_stakes.Count > 4 * options.Value.MaxLiveWorkers + 1_000) _stakes.Clear();
    }

    /// <summary>
    /// Once a second at most: re-reads the stakes of logged-in workers whose last read is older than the cache period
    /// (at most <see cref="RechecksPerRound"/> a round), and removes the workers no longer admitted: their active
    /// replicates are abandoned (placed elsewhere) and their rows deleted, so they must log in again, and are refused.
    /// Reads the chain outside the gate.
    /// </summary>
    public async Task<int> RecheckAsync(CancellationToken ct)
    {
        var now = NowMs;
        if (now < Volatile.Read(ref _nextRecheckMs)) return 0;
        Volatile.Write(ref _nextRecheckMs, now + 1_000);
        BigInteger minimum;
        try
        {
            minimum = await MinimumAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The chain is away: the sweep goes on without rechecks (silent workers, leases, deadlines do not wait for it).
            LogRecheckFailed(logger, "(the market's minimum stake)", e);
            return 0;
        }
        if (_allowed.Count == 0 && minimum.IsZero) return 0;

        var staleBefore = now - options.Value.AdmissionStakeCacheSeconds * 1_000L;
        List<string> workers;
        await using (var peek = await dbs.CreateDbContextAsync(ct))
            workers = await peek.Workers.AsNoTracking().Select(w => w.Address).ToListAsync(ct);
        var refused = new Dictionary<string, string>(StringComparer.Ordinal);
        var reads = 0;
        foreach (var worker in workers)
        {
            var due = _allowed.Count > 0 && !_allowed.Contains(worker)
                || !minimum.IsZero && (!_stakes.TryGetValue(worker, out var cached) || cached.ReadAtMs < staleBefore);
            if (!due) continue;
            if (!minimum.IsZero && ++reads > RechecksPerRound) break;
            try
            {
                if (await RefusalAsync(worker, ct) is { } why) refused[worker] = why;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The chain is away: keep the worker; it is read again next round.
                LogRecheckFailed(logger, worker, e);
                break;
            }
        }
        if (refused.Count == 0) return 0;

        using (await gate.EnterAsync(ct))
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            var nowMs = NowMs;
            foreach (var (worker, why) in refused)
                await RemoveAsync(db, worker, "no longer admitted: " + why, nowMs, ct);
            await db.SaveChangesAsync(ct);
        }
        foreach (var worker in refused.Keys) LogWorkerRemoved(logger, worker);
        signals.PlacementNeeded.Fire();
        return refused.Count;
    }

    /// <summary>
    /// Deletes a worker's row after abandoning its active replicates (their tasks are placed elsewhere), and records why.
    /// Replicates that ended keep its address: they are history, and contributions are judged by the chain's standing
    /// of the address, not by the row. Callers hold the gate and save.
    /// </summary>
    internal static async Task RemoveAsync(SchedulerDb db, string worker, string why, long nowMs, CancellationToken ct)
    {
        var held = await db.Replicates.Where(r => r.Worker == worker && ReplicateStateMachine.ActiveStatuses.Contains(r.Status)).ToListAsync(ct);
        // Tracked instances taken back earlier in the caller's unit are no longer active, though the database says so.
        foreach (var replicate in held.Where(r => ReplicateStateMachine.IsActive(r.Status)))
            await ReplicateLoss.AbandonAsync(db, replicate, $"worker {worker} was removed from the pool ({why}); replicate reassigned", nowMs, ct);
        if (await db.Workers.FindAsync([worker], ct) is { } row)
        {
            db.Workers.Remove(row);
            History.Record(db, "worker", worker, "LoggedIn", "Removed", why, nowMs);
        }
    }

    private long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    [LoggerMessage(EventId = 4350, Level = LogLevel.Information, Message = "Worker {Worker} removed: no longer admitted to the pool")]
    private static partial void LogWorkerRemoved(ILogger logger, string worker);

    [LoggerMessage(EventId = 4351, Level = LogLevel.Warning, Message = "Could not re-read the stake of worker {Worker}; trying again later")]
    private static partial void LogRecheckFailed(ILogger logger, string worker, Exception e);
}
