using System.Collections.Concurrent;
using System.Numerics;
using Hearth.Chain.Market;
using Hearth.Protocol.Deals;
using Microsoft.Extensions.Options;

namespace Hearth.Scheduler.Replication;

/// <summary>A worker's reputation and stake as the market holds them.</summary>
public sealed record WorkerStanding(long Score, BigInteger Stake)
{
    public int Weight => ConsensusRule.Weight(Score);
}

/// <summary>Workers' scores and stakes read from the chain (accountOf), cached for a short while: they change only at settlement.</summary>
public sealed class WorkerScores(HearthClient chain, IOptions<SchedulerOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (WorkerStanding Standing, DateTimeOffset ReadAt)> _cache = new(StringComparer.OrdinalIgnoreCase);

    public async Task<WorkerStanding> GetAsync(string worker, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(worker, out var cached) && now - cached.ReadAt < TimeSpan.FromSeconds(options.Value.ScoreCacheSeconds))
            return cached.Standing;
        var account = await chain.GetAccountAsync(worker, ct);
        var standing = new WorkerStanding(account.Score, account.Stake);
        _cache[worker] = (standing, now);
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
}
