namespace Hearth.Heat;

/// <summary>
/// Energies accumulated by a boiler since its model started, joules, and the time spent in
/// notable states, seconds.
/// </summary>
public sealed record BoilerEnergyTotals
{
    public double ServerJoules { get; init; }
    public double BackupJoules { get; init; }
    public double LossJoules { get; init; }
    public double DrawnJoules { get; init; }
    public double DumpedJoules { get; init; }

    /// <summary>Heat stored in the tank now minus at the start (tank capacity × temperature change).</summary>
    public double StoredChangeJoules { get; init; }

    public double DrawnLitres { get; init; }

    /// <summary>Time during which the backup heater ran or the tank stayed below its minimum anyway.</summary>
    public double ComfortShortfallSeconds { get; init; }

    /// <summary>Time during which the servers could not run all the step.</summary>
    public double ThrottledSeconds { get; init; }

    /// <summary>Time during which heat was dumped.</summary>
    public double DumpingSeconds { get; init; }

    public double SimulatedSeconds { get; init; }

    /// <summary>Energy in minus energy accounted for: zero up to floating-point rounding.</summary>
    public double BalanceErrorJoules =>
        ServerJoules + BackupJoules - (StoredChangeJoules + LossJoules + DrawnJoules + DumpedJoules);
}
