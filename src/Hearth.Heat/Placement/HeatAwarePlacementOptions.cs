namespace Hearth.Heat;

/// <summary>Settings of <see cref="HeatAwarePlacement"/>.</summary>
public sealed record HeatAwarePlacementOptions
{
    /// <summary>
    /// How long before a task's latest start the policy stops waiting for a building that wants heat and
    /// places it wherever a tank can take it, seconds. At least the scheduler's decision interval, so the
    /// last chance is never skipped between two rounds.
    /// </summary>
    public double WaitMarginSeconds { get; init; } = 120;

    /// <summary>
    /// Share of a task's power that must be unmet heat demand for a building to count as wanting it
    /// (unmet demand = heat demand − power the servers already give). 1 means all of the task's heat is wanted.
    /// </summary>
    public double MinimumWantedShare { get; init; } = 1;

    /// <summary>Telemetry older than this is ignored and its worker skipped, seconds.</summary>
    public double MaxTelemetryAgeSeconds { get; init; } = 300;

    internal void EnsureValid()
    {
        if (!double.IsFinite(WaitMarginSeconds) || WaitMarginSeconds < 0)
        {
            throw new ArgumentException($"WaitMarginSeconds must be a finite number ≥ 0 (was {WaitMarginSeconds}).", "options");
        }

        if (!double.IsFinite(MinimumWantedShare) || MinimumWantedShare < 0)
        {
            throw new ArgumentException($"MinimumWantedShare must be a finite number ≥ 0 (was {MinimumWantedShare}).", "options");
        }

        if (!double.IsFinite(MaxTelemetryAgeSeconds) || MaxTelemetryAgeSeconds <= 0)
        {
            throw new ArgumentException($"MaxTelemetryAgeSeconds must be a finite number > 0 (was {MaxTelemetryAgeSeconds}).", "options");
        }
    }
}
