namespace Hearth.Heat;

/// <summary>Chooses where a task runs. Implementations are pure: same inputs, same decision.</summary>
public interface IPlacementPolicy
{
    /// <summary>Short name used in reports ("heat-aware", "least-loaded").</summary>
    string Name { get; }

    /// <summary>Decides for <paramref name="task"/> among <paramref name="candidates"/> at <paramref name="now"/>.</summary>
    PlacementDecision Place(PlacementTask task, IReadOnlyList<WorkerCandidate> candidates, DateTimeOffset now);

    /// <summary>The chosen worker, or null when none can take the task now (it waits or spills).</summary>
    WorkerCandidate? Choose(PlacementTask task, IReadOnlyList<WorkerCandidate> candidates, DateTimeOffset now) =>
        Place(task, candidates, now).Worker;
}
