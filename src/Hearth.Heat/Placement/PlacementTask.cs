namespace Hearth.Heat;

/// <summary>A task waiting for a worker.</summary>
/// <param name="Id">The task's id.</param>
/// <param name="EstimatedDurationSeconds">How long it runs on one slot, seconds.</param>
/// <param name="Deadline">When its result must be ready.</param>
/// <param name="PowerWatts">Electric power it adds to the worker it runs on (one slot's share of the load range), W.</param>
public sealed record PlacementTask(string Id, double EstimatedDurationSeconds, DateTimeOffset Deadline, double PowerWatts)
{
    /// <summary>Latest start that still finishes by the deadline.</summary>
    public DateTimeOffset LatestStart => Deadline.AddSeconds(-EstimatedDurationSeconds);

    internal void EnsureValid()
    {
        if (string.IsNullOrWhiteSpace(Id))
        {
            throw new ArgumentException("A task needs an id.", "task");
        }

        if (!double.IsFinite(EstimatedDurationSeconds) || EstimatedDurationSeconds <= 0)
        {
            throw new ArgumentException($"Task {Id}: EstimatedDurationSeconds must be a finite number > 0 (was {EstimatedDurationSeconds}).", "task");
        }

        if (!double.IsFinite(PowerWatts) || PowerWatts < 0)
        {
            throw new ArgumentException($"Task {Id}: PowerWatts must be a finite number ≥ 0 (was {PowerWatts}).", "task");
        }
    }
}
