using System.Collections.Concurrent;
using System.Numerics;
using Hearth.Chain.Market;
using Hearth.Protocol.Deals;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hearth.Scheduler.Replication;

/// <summary>A worker's reputation in one pool and its stake, as the market holds them.</summary>
/// <param name="Score">The worker's score in the pool: a score earned in another pool weighs nothing here.</param>
/// <param name="Stake">Staked funds.</param>
/// <param name="Unbonding">Stake on its way out: still slashable, so it still backs contributions.</param>
public sealed record WorkerStanding(long Score, BigInteger Stake, BigInteger Unbonding = default)
{
    public int Weight => ConsensusRule.Weight(Score);

    /// <summary>What the chain lets stand behind the worker's contributions in one settlement.</summary>
    public BigInteger Backing => Stake + Unbonding;

    /// <summary>How many contributions at <paramref name="workerStake"/> each one settlement may hold of this worker.</summary>
    public BigInteger Backable(BigInteger workerStake) => workerStake.IsZero ? long.MaxValue : Backing / workerStake;

    /// <summary>Whether the worker can back even one contribution of a deal asking <paramref name="workerStake"/>.</summary>
    public bool Backs(BigInteger workerStake) => Backing >= workerStake;
}

/// <summary>
/// Workers' scores in a pool (scoreOf) and stakes (accountOf) read from the chain, cached by worker and pool for a
/// short while: they change only at settlement. Unless told otherwise, the pool is this scheduler's. Every standing
/// read is also kept as the worker's last known one: when the chain cannot be read, callers that accept it
/// (<c>lastKnownWhenUnreadable</c>) are given that instead, and its age is logged.
/// </summary>
public sealed class WorkerScores(HearthClient chain, IOptions<SchedulerOptions> options, TimeProvider time, ILogger<WorkerScores>? logger = null)
{
    private readonly ConcurrentDictionary<(string Worker, BigInteger Pool), (WorkerStanding Standing, DateTimeOffset ReadAt, int Generation)> _cache = new(new KeyComparer());
    private int _generation;

    public Task<WorkerStanding> GetAsync(string worker, CancellationToken ct) => GetAsync(worker, options.Value.Workerpool, ct);

    public async Task<WorkerStanding> GetAsync(string worker, BigInteger pool, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (TryFresh(worker, pool, now, out var fresh))
            return fresh;
        var generation = Volatile.Read(ref _generation);
        var account = await chain.GetAccountAsync(worker, ct);
        var score = await chain.GetScoreAsync(worker, pool, ct);
        var standing = new WorkerStanding(score, account.Stake, account.Unbonding);
        _cache[(worker, pool)] = (standing, now, generation);
        return standing;
    }

    /// <summary>
    /// The standings of this pool's <paramref name="workers"/>. With <paramref name="lastKnownWhenUnreadable"/>, a chain
    /// that cannot be read (RPC unreachable or timing out) gives each worker's last known standing, however old, with a
    /// warning naming its age; a worker never read before still fails the call.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, WorkerStanding>> GetManyAsync(IEnumerable<string> workers, CancellationToken ct, bool lastKnownWhenUnreadable = false)
    {
        var result = new Dictionary<string, WorkerStanding>(StringComparer.OrdinalIgnoreCase);
        var pool = options.Value.Workerpool;
        var stale = new List<DateTimeOffset>();
        Exception? unreadable = null;
        foreach (var w in workers.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (unreadable is null)
            {
                try
                {
                    result[w] = await GetAsync(w, pool, ct);
                    continue;
                }
                catch (Exception e) when (lastKnownWhenUnreadable && !ct.IsCancellationRequested && Api.TransientFailures.Classify(e) is { What: "chain" })
                {
                    unreadable = e;
                }
            }
            // The chain failed once in this call: the rest come from what was last read, without asking it again.
            if (TryFresh(w, pool, time.GetUtcNow(), out var fresh)) { result[w] = fresh; continue; }
            if (!_cache.TryGetValue((w, pool), out var known))
                throw new Api.TransientFailureException("chain", $"the chain cannot be read and worker {w} has no last known score: {unreadable!.Message}", unreadable);
            result[w] = known.Standing;
            stale.Add(known.ReadAt);
        }
        if (stale.Count > 0 && logger is not null)
            Api.TransientFailures.StaleScores(logger, stale.Count, (time.GetUtcNow() - stale.Min()).TotalSeconds, unreadable!.Message);
        return result;
    }

    /// <summary>Settlement moved scores and stakes: read them again next time (what was read stays the last known standing).</summary>
    public void Invalidate() => Interlocked.Increment(ref _generation);

    private bool TryFresh(string worker, BigInteger pool, DateTimeOffset now, out WorkerStanding standing)
    {
        standing = null!;
        if (!_cache.TryGetValue((worker, pool), out var cached)) return false;
        if (now - cached.ReadAt >= TimeSpan.FromSeconds(options.Value.ScoreCacheSeconds)) return false;
        if (cached.Generation != Volatile.Read(ref _generation)) return false;
        standing = cached.Standing;
        return true;
    }

    /// <summary>Addresses come in either case; pool ids are numbers.</summary>
    private sealed class KeyComparer : IEqualityComparer<(string Worker, BigInteger Pool)>
    {
        public bool Equals((string Worker, BigInteger Pool) x, (string Worker, BigInteger Pool) y) =>
            x.Pool == y.Pool && StringComparer.OrdinalIgnoreCase.Equals(x.Worker, y.Worker);

        public int GetHashCode((string Worker, BigInteger Pool) key) =>
            HashCode.Combine(StringComparer.OrdinalIgnoreCase.GetHashCode(key.Worker), key.Pool);
    }
}
