namespace Hearth.Heat;

/// <summary>
/// The heat-blind baseline: the worker with the most free slots, then the lowest load, then the smallest id.
/// It ignores telemetry, so it never spills: a task waits until a slot frees up.
/// </summary>
public sealed class LeastLoadedPlacement : IPlacementPolicy
{
    public const string PolicyName = "least-loaded";

    public string Name => PolicyName;

    public PlacementDecision Place(PlacementTask task, IReadOnlyList<WorkerCandidate> candidates, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(candidates);
        task.EnsureValid();
        var best = LeastLoaded(candidates.Where(HasFreeSlot));
        return best is null
            ? PlacementDecision.Wait("no free slot")
            : PlacementDecision.Place(best, "least loaded");
    }

    internal static bool HasFreeSlot(WorkerCandidate candidate) =>
        candidate is not null && candidate.FreeSlots > 0 && double.IsFinite(candidate.Load);

    internal static WorkerCandidate? LeastLoaded(IEnumerable<WorkerCandidate> candidates) =>
        candidates
            .OrderByDescending(c => c.FreeSlots)
            .ThenBy(c => c.Load)
            .ThenBy(c => c.Id, StringComparer.Ordinal)
            .FirstOrDefault();
}
