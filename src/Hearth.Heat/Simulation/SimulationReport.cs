namespace Hearth.Heat;

/// <summary>The result of <see cref="CitySimulation.Run"/>: one entry per (season, policy), same inputs for all.</summary>
public sealed record SimulationReport
{
    public required SimulationOptions Options { get; init; }

    /// <summary>The city's boilers.</summary>
    public required IReadOnlyList<CityBoiler> Boilers { get; init; }

    /// <summary>Tasks in the day's stream (the same for every season and policy).</summary>
    public required int TaskCount { get; init; }

    /// <summary>Winter then summer; heat-aware then least-loaded within each.</summary>
    public required IReadOnlyList<SeasonPolicyResult> Results { get; init; }

    /// <summary>PNG files written by the run (empty when no output folder was given).</summary>
    public IReadOnlyList<string> PlotFiles { get; init; } = [];

    /// <summary>The result of one season and policy.</summary>
    public SeasonPolicyResult Get(Season season, string policy) =>
        Results.FirstOrDefault(r => r.Season == season && r.Policy == policy)
        ?? throw new KeyNotFoundException($"No result for {season} / {policy}.");

    /// <summary>One JSON line per result, in <see cref="Results"/> order.</summary>
    public IReadOnlyList<string> JsonLines() => Results.Select(r => r.ToJsonLine()).ToArray();
}
