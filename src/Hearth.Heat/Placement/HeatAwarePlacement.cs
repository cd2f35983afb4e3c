namespace Hearth.Heat;

/// <summary>
/// Places tasks where their heat is wanted, without ever overfilling a tank or losing a deadline.
/// <list type="number">
/// <item>A task that can no longer finish by its deadline spills.</item>
/// <item>A worker can take a task only if it has a free slot and either has no tank (null telemetry) or has
/// fresh, well-formed telemetry, a tank below its maximum, and a maximum accepted power that covers its
/// current power plus the task's.</item>
/// <item>Among those, a worker whose building wants the heat (unmet demand ≥ the wanted share of the task's
/// power) is chosen: the highest unmet demand relative to the task's power, then the smallest id.</item>
/// <item>When none wants it, the task waits while its latest start is more than the wait margin away.</item>
/// <item>Then it goes heat-blind to the least-loaded worker that can take it, or spills when none can.</item>
/// </list>
/// </summary>
public sealed class HeatAwarePlacement : IPlacementPolicy
{
    public const string PolicyName = "heat-aware";

    private readonly HeatAwarePlacementOptions _options;

    public HeatAwarePlacement(HeatAwarePlacementOptions? options = null)
    {
        _options = options ?? new HeatAwarePlacementOptions();
        _options.EnsureValid();
    }

    public string Name => PolicyName;

    public PlacementDecision Place(PlacementTask task, IReadOnlyList<WorkerCandidate> candidates, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(candidates);
        task.EnsureValid();

        double slackSeconds = (task.LatestStart - now).TotalSeconds;
        if (slackSeconds < 0)
        {
            return PlacementDecision.Spill("cannot finish before its deadline");
        }

        var able = candidates.Where(c => CanTake(c, task, now)).ToList();
        var wanting = able
            .Where(c => c.Telemetry is not null && UnmetDemandWatts(c.Telemetry) >= _options.MinimumWantedShare * task.PowerWatts)
            .OrderByDescending(c => Score(c.Telemetry!, task))
            .ThenBy(c => c.Id, StringComparer.Ordinal)
            .FirstOrDefault();
        if (wanting is not null)
        {
            return PlacementDecision.Place(wanting, "its building wants the heat");
        }

        if (slackSeconds > _options.WaitMarginSeconds)
        {
            return PlacementDecision.Wait("no building wants this heat yet");
        }

        var fallback = LeastLoadedPlacement.LeastLoaded(able);
        return fallback is not null
            ? PlacementDecision.Place(fallback, "deadline near: least loaded worker whose tank can take it")
            : PlacementDecision.Spill("no worker can run it before its deadline without exceeding a tank's maximum");
    }

    private bool CanTake(WorkerCandidate candidate, PlacementTask task, DateTimeOffset now)
    {
        if (!LeastLoadedPlacement.HasFreeSlot(candidate))
        {
            return false;
        }

        var telemetry = candidate.Telemetry;
        if (telemetry is null)
        {
            return true;
        }

        double ageSeconds = (now - telemetry.Timestamp).TotalSeconds;
        return telemetry.IsWellFormed
            && ageSeconds <= _options.MaxTelemetryAgeSeconds
            && !telemetry.AtMaximum
            && telemetry.PowerWatts + task.PowerWatts <= telemetry.MaxAcceptedPowerWatts;
    }

    private static double UnmetDemandWatts(BoilerTelemetry telemetry) => telemetry.HeatDemandWatts - telemetry.PowerWatts;

    // A task of zero power wants nothing; rank such tasks by unmet demand alone.
    private static double Score(BoilerTelemetry telemetry, PlacementTask task) =>
        task.PowerWatts > 0 ? UnmetDemandWatts(telemetry) / task.PowerWatts : UnmetDemandWatts(telemetry);
}
