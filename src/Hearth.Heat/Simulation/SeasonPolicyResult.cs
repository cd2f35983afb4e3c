using System.Globalization;

namespace Hearth.Heat;

/// <summary>
/// Figures of one policy over one simulated day. Definitions (also in docs/heat.md):
/// <list type="bullet">
/// <item>Computing energy: the servers' electric energy, idle and loaded; all of it becomes heat.</item>
/// <item>Useful heat share: computing energy minus what was dumped and, in summer, minus the computing
/// share of tank losses (they warm a building that wants no heat), over computing energy. In winter the
/// losses warm the building's inside and count as useful.</item>
/// <item>Deadline miss share: tasks that finished after their deadline or never started in time, over all tasks.</item>
/// <item>Spilled task share: tasks the pool refused because no worker could run them before their deadline
/// without exceeding a tank's maximum, over all tasks.</item>
/// <item>Comfort shortfall hours: boiler-hours during which the backup heater had to hold the minimum.</item>
/// </list>
/// </summary>
public sealed record SeasonPolicyResult
{
    public required Season Season { get; init; }
    public required string Policy { get; init; }
    public required double UsefulHeatShare { get; init; }
    public required double DumpedHeatKilowattHours { get; init; }
    public required double DeadlineMissShare { get; init; }
    public required double ComfortShortfallHours { get; init; }
    public required double SpilledTaskShare { get; init; }

    public required double ComputingKilowattHours { get; init; }
    public required double TaskKilowattHours { get; init; }
    public required double BackupKilowattHours { get; init; }
    public required double LossKilowattHours { get; init; }
    public required double DrawnKilowattHours { get; init; }
    public required double StoredChangeKilowattHours { get; init; }

    /// <summary>Largest absolute energy balance error of any boiler over the run, joules.</summary>
    public required double MaxBalanceErrorJoules { get; init; }

    public required int TaskCount { get; init; }
    public required int CompletedTasks { get; init; }
    public required int MissedTasks { get; init; }
    public required int SpilledTasks { get; init; }

    /// <summary>Hottest any tank got during the run, °C.</summary>
    public required double MaxTankCelsius { get; init; }

    /// <summary>Highest maximum temperature of the city's tanks, °C.</summary>
    public required double TankMaximumCelsius { get; init; }

    /// <summary>Time series for the plots.</summary>
    public required RunSeries Series { get; init; }

    /// <summary>
    /// One JSON object on one line:
    /// <c>{"season": "winter", "policy": "heat-aware", "useful_heat_share": 0.97, "dumped_heat_kwh": 1.2, "deadline_miss_share": 0.0, "comfort_shortfall_hours": 3.5, "spilled_task_share": 0.0}</c>.
    /// Shares have four decimals, energies and hours two.
    /// </summary>
    public string ToJsonLine() =>
        "{" +
        $"\"season\": \"{Season.ToString().ToLowerInvariant()}\", " +
        $"\"policy\": \"{Policy}\", " +
        $"\"useful_heat_share\": {Number(UsefulHeatShare, 4)}, " +
        $"\"dumped_heat_kwh\": {Number(DumpedHeatKilowattHours, 2)}, " +
        $"\"deadline_miss_share\": {Number(DeadlineMissShare, 4)}, " +
        $"\"comfort_shortfall_hours\": {Number(ComfortShortfallHours, 2)}, " +
        $"\"spilled_task_share\": {Number(SpilledTaskShare, 4)}" +
        "}";

    // Always a decimal point, as in 0.0, so every field reads as a number of the same kind.
    private static string Number(double value, int decimals)
    {
        double rounded = Math.Round(value, decimals, MidpointRounding.AwayFromZero);
        if (rounded == 0)
        {
            rounded = 0;
        }

        return rounded.ToString("0.0" + new string('#', decimals - 1), CultureInfo.InvariantCulture);
    }
}

/// <summary>Per-step series of a run: hours since the start, tank temperatures of a few boilers, placed load.</summary>
/// <param name="Hours">End of each step, hours since the start of the day.</param>
/// <param name="BoilerIds">The boilers whose temperatures are kept.</param>
/// <param name="TankCelsius">For each of them, the tank temperature at the end of each step, °C.</param>
/// <param name="PlacedLoadKilowatts">Summed power of the tasks running during each step, kW.</param>
public sealed record RunSeries(
    IReadOnlyList<double> Hours,
    IReadOnlyList<string> BoilerIds,
    IReadOnlyList<IReadOnlyList<double>> TankCelsius,
    IReadOnlyList<double> PlacedLoadKilowatts);
