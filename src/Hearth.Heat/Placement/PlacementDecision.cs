namespace Hearth.Heat;

/// <summary>What a policy decided for a task.</summary>
public enum PlacementOutcome
{
    /// <summary>Run it on <see cref="PlacementDecision.Worker"/> now.</summary>
    Placed,

    /// <summary>Keep it queued: a better place may come and the deadline allows waiting.</summary>
    Wait,

    /// <summary>Refuse it: no worker of this pool can run it before its deadline; another pool should.</summary>
    Spill,
}

/// <summary>A policy's answer for one task, with the rule that decided it.</summary>
/// <param name="Outcome">Place, wait or spill.</param>
/// <param name="Worker">The chosen worker when placed, otherwise null.</param>
/// <param name="Reason">Which rule decided, for logs.</param>
public readonly record struct PlacementDecision(PlacementOutcome Outcome, WorkerCandidate? Worker, string Reason)
{
    public static PlacementDecision Place(WorkerCandidate worker, string reason) => new(PlacementOutcome.Placed, worker, reason);

    public static PlacementDecision Wait(string reason) => new(PlacementOutcome.Wait, null, reason);

    public static PlacementDecision Spill(string reason) => new(PlacementOutcome.Spill, null, reason);
}
