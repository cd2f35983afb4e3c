using System.Collections.Concurrent;
using System.Numerics;
using Hearth.Chain.Market;
using Hearth.Protocol.Deals;
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
/// short while: they change only at settlement. Unless told otherwise, the pool is this scheduler's.
/// </summary>
public sealed class WorkerScores(HearthClient chain, IOptions<SchedulerOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<(string Worker, BigInteger Pool), (WorkerStanding Standing, DateTimeOffset ReadAt)> _cache = new(new KeyComparer());

    public Task<WorkerStanding> GetAsync(string worker, CancellationToken ct) => GetAsync(worker, options.Value.Workerpool, ct);

    public async Task<WorkerStanding> GetAsync(string worker, BigInteger pool, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (_cache.TryGetValue((worker, pool), out var cached) && now - cached.ReadAt < TimeSpan.FromSeconds(options.Value.ScoreCacheSeconds))
            return cached.Standing;
        var account = await chain.GetAccountAsync(worker, ct);
        var score = await chain.GetScoreAsync(worker, pool, ct);
        var standing = new WorkerStanding(score, account.Stake, account.Unbonding);
        _cache[(worker, pool)] = (standing, now);
        return standing;
    }

    public async Task<IReadOnlyDictionary<string, WorkerStanding>> GetManyAsync(IEnumerable<string> workers, CancellationToken ct)
    {
        var result = new Dictionary<string, WorkerStanding>(StringComparer.OrdinalIgnoreCase);
        foreach (var w in workers.Distinct(StringComparer.OrdinalIgnoreCase))
            result[w] = await GetAsync(w, ct);
        return result;
    }

    /// <summary>Settlement moved scores and stakes: read them again next time.</summary>
    public void Invalidate() => _cache.Clear();

    /// <summary>Addresses come in either case; pool ids are numbers.</summary>
    private sealed class KeyComparer : IEqualityComparer<(string Worker, BigInteger Pool)>
    {
        public bool Equals((string Worker, BigInteger Pool) x, (string Worker, BigInteger Pool) y) =>
            x.Pool == y.Pool && StringComparer.OrdinalIgnoreCase.Equals(x.Worker, y.Worker);

        public int GetHashCode((string Worker, BigInteger Pool) key) =>
            HashCode.Combine(StringComparer.OrdinalIgnoreCase.GetHashCode(key.Worker), key.Pool);
    }
}
