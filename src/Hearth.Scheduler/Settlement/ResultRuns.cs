using Hearth.Protocol;
using Hearth.Protocol.Deals;
using Hearth.Scheduler.Persistence;

namespace Hearth.Scheduler.Settlement;

/// <summary>
/// Turns lone contributions into runs of the workers' result chains (<see cref="ResultChain"/>), so that a batch of a
/// deal of trust 1 or 2 is settled with one signature per run (<c>settleRuns</c>) instead of one per task. A run is any
/// sequence of one worker's results where each starts at the head the previous one reached: such a run is proven by its
/// first start and its last signature, whatever gaps the chain has elsewhere (results settled before, refused or lost).
/// </summary>
internal static class ResultRuns
{
    /// <summary>
    /// The runs that carry these contributions, or null when the batch cannot go as runs: a trust above 2, a task with
    /// other than one contribution, or a contribution without its chain link (a worker that sent none).
    /// </summary>
    public static List<ResultRun>? Build(long trust, IReadOnlyList<BackedTask> tasks)
    {
        if (trust > 2 || tasks.Count == 0) return null;
        var links = new List<Link>(tasks.Count);
        foreach (var (task, contributions) in tasks)
        {
            if (contributions is not [{ ChainStart: { } start, ChainSignature: { } signature } c]) return null;
            var digest = Hash32.Parse(c.Digest!);
            var from = Hash32.Parse(start);
            links.Add(new Link(c.Worker, task.Index, digest, from, ResultChain.Next(from, task.Index, digest), Convert.FromHexString(signature.AsSpan(2))));
        }
        var runs = new List<ResultRun>();
        foreach (var worker in links.GroupBy(l => l.Worker, StringComparer.Ordinal))
            foreach (var run in Chain(worker.ToList()))
                runs.Add(ResultRun.Of(run[0].Start, run[^1].Signature, run.Select(l => (l.Task, l.Digest))));
        return runs;
    }

    private sealed record Link(string Worker, long Task, Hash32 Digest, Hash32 Start, Hash32 Head, byte[] Signature);

    /// <summary>One worker's links as few runs as the chain allows: each run begins where no other link ends.</summary>
    private static List<List<Link>> Chain(List<Link> links)
    {
        var byStart = links.GroupBy(l => l.Start).ToDictionary(g => g.Key, g => new Queue<Link>(g));
        var heads = links.Select(l => l.Head).ToHashSet();
        var used = new HashSet<Link>(ReferenceEqualityComparer.Instance);
        var runs = new List<List<Link>>();
        // Beginnings first, then whatever is left (a start reached by two links: only one follows it).
        foreach (var first in links.Where(l => !heads.Contains(l.Start)).Concat(links))
        {
            if (!used.Add(first)) continue;
            var run = new List<Link> { first };
            while (byStart.TryGetValue(run[^1].Head, out var next) && next.Count > 0)
            {
                var link = next.Dequeue();
                if (used.Add(link)) run.Add(link);
            }
            runs.Add(run);
        }
        return runs;
    }
}
