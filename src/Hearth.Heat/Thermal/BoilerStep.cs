namespace Hearth.Heat;

/// <summary>
/// What happened to one boiler during one step. Energies are in joules over the step; they balance:
/// <c>ServerJoules + BackupJoules = stored change + LossJoules + DrawnJoules + DumpedJoules</c>.
/// </summary>
/// <param name="Start">Start of the step.</param>
/// <param name="Seconds">Length of the step.</param>
/// <param name="RequestedUtilisation">Utilisation the tasks asked for (0 to 1).</param>
/// <param name="RunFraction">Share of the step the servers could run at that utilisation (1 unless throttled).</param>
/// <param name="ServerJoules">Electric energy of the servers, all of it heat.</param>
/// <param name="BackupJoules">Electric energy of the backup heater.</param>
/// <param name="LossJoules">Heat lost by the tank to the room.</param>
/// <param name="DrawnJoules">Heat carried out by hot water drawn (above the cold inlet's temperature).</param>
/// <param name="DumpedJoules">Server heat the tank could not take, vented by the dry cooler.</param>
/// <param name="DrawnLitres">Hot water drawn.</param>
/// <param name="StartCelsius">Tank temperature at the start.</param>
/// <param name="EndCelsius">Tank temperature at the end.</param>
public readonly record struct BoilerStep(
    DateTimeOffset Start,
    double Seconds,
    double RequestedUtilisation,
    double RunFraction,
    double ServerJoules,
    double BackupJoules,
    double LossJoules,
    double DrawnJoules,
    double DumpedJoules,
    double DrawnLitres,
    double StartCelsius,
    double EndCelsius)
{
    /// <summary>Mean electric power of the servers over the step, W.</summary>
    public double ServerWatts => ServerJoules / Seconds;

    /// <summary>Utilisation actually delivered: requested utilisation times the share of the step run.</summary>
    public double EffectiveUtilisation => RequestedUtilisation * RunFraction;

    /// <summary>True when the servers could not run the whole step (the tank was full).</summary>
    public bool Throttled => RunFraction < 1;
}
