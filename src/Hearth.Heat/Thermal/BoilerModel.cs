namespace Hearth.Heat;

/// <summary>
/// Thermal model of one digital boiler: a well-mixed tank warmed by servers (and by a backup heater when
/// they are not enough), cooled by losses to the room and by hot water drawn. Stepped explicitly: every
/// flow is computed from the temperature at the start of the step, and the temperature moves by exactly
/// the net heat of the step, so the energy balance holds to floating-point rounding.
/// </summary>
public sealed class BoilerModel
{
    private readonly double _capacityJoulesPerKelvin;
    private readonly double _startCelsius;
    private double _serverJoules;
    private double _backupJoules;
    private double _lossJoules;
    private double _drawnJoules;
    private double _dumpedJoules;
    private double _drawnLitres;
    private double _shortfallSeconds;
    private double _throttledSeconds;
    private double _dumpingSeconds;
    private double _simulatedSeconds;

    /// <param name="parameters">The boiler; validated here.</param>
    /// <param name="start">Time of the initial state.</param>
    /// <param name="initialCelsius">Initial tank temperature; the target when omitted.</param>
    public BoilerModel(BoilerParameters parameters, DateTimeOffset start, double? initialCelsius = null)
    {
        BoilerParametersValidator.EnsureValid(parameters);
        Parameters = parameters;
        double initial = initialCelsius ?? parameters.TargetCelsius;
        if (!double.IsFinite(initial) || initial < parameters.ColdInletCelsius || initial > parameters.MaximumCelsius)
        {
            throw new ArgumentOutOfRangeException(
                nameof(initialCelsius),
                initial,
                $"The initial temperature must lie between the cold inlet ({parameters.ColdInletCelsius} °C) and the maximum ({parameters.MaximumCelsius} °C).");
        }

        _capacityJoulesPerKelvin = parameters.HeatCapacityJoulesPerKelvin;
        _startCelsius = initial;
        TankCelsius = initial;
        Now = start;
        LastStep = new BoilerStep(start, 0, 0, 1, 0, 0, 0, 0, 0, 0, initial, initial);
    }

    public BoilerParameters Parameters { get; }

    /// <summary>Tank temperature, °C; never above <see cref="BoilerParameters.MaximumCelsius"/>.</summary>
    public double TankCelsius { get; private set; }

    /// <summary>Time of the current state.</summary>
    public DateTimeOffset Now { get; private set; }

    /// <summary>The latest step (a zero-length one before the first).</summary>
    public BoilerStep LastStep { get; private set; }

    /// <summary>Energies since the start.</summary>
    public BoilerEnergyTotals Totals => new()
    {
        ServerJoules = _serverJoules,
        BackupJoules = _backupJoules,
        LossJoules = _lossJoules,
        DrawnJoules = _drawnJoules,
        DumpedJoules = _dumpedJoules,
        StoredChangeJoules = _capacityJoulesPerKelvin * (TankCelsius - _startCelsius),
        DrawnLitres = _drawnLitres,
        ComfortShortfallSeconds = _shortfallSeconds,
        ThrottledSeconds = _throttledSeconds,
        DumpingSeconds = _dumpingSeconds,
        SimulatedSeconds = _simulatedSeconds,
    };

    /// <summary>Advances the tank by <paramref name="seconds"/> with the servers asked to run at <paramref name="utilisation"/>.</summary>
    public BoilerStep Step(double seconds, double utilisation)
    {
        if (!double.IsFinite(seconds) || seconds <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(seconds), seconds, "A step must last a finite number of seconds > 0.");
        }

        if (!double.IsFinite(utilisation) || utilisation < 0 || utilisation > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(utilisation), utilisation, "Utilisation must lie between 0 and 1.");
        }

        var p = Parameters;
        double startCelsius = TankCelsius;
        double litres = p.Draw.LitresBetween(Now, seconds);
        if (litres > p.TankLitres)
        {
            // The explicit step assumes drawn water is a fraction of the tank; past that it would cool below the inlet.
            throw new InvalidOperationException(
                $"A {seconds} s step would draw {litres:F0} L from a {p.TankLitres:F0} L tank; use shorter steps.");
        }

        double drawn = litres * Water.KilogramsPerLitre * Water.HeatCapacityJoulesPerKilogramKelvin * (startCelsius - p.ColdInletCelsius);
        double loss = p.LossWattsPerKelvin * (startCelsius - p.RoomCelsius) * seconds;
        double requested = p.ServerWatts(utilisation) * seconds;

        // What the tank can take this step while ending at most at its maximum.
        double accepted = Math.Max(0, _capacityJoulesPerKelvin * (p.MaximumCelsius - startCelsius) + loss + drawn);
        double server = requested;
        double dumped = 0;
        double runFraction = 1;
        bool full = requested > accepted;
        if (full)
        {
            if (p.Overheat == OverheatResponse.Dump && utilisation > 0)
            {
                dumped = requested - accepted;
            }
            else
            {
                server = accepted;
                runFraction = accepted / requested;
            }
        }

        double endCelsius = full
            ? p.MaximumCelsius
            : startCelsius + (server - loss - drawn) / _capacityJoulesPerKelvin;

        double backup = 0;
        if (endCelsius < p.MinimumCelsius)
        {
            double needed = _capacityJoulesPerKelvin * (p.MinimumCelsius - endCelsius);
            backup = Math.Min(needed, p.BackupHeaterWatts * seconds);
            endCelsius = backup == needed ? p.MinimumCelsius : endCelsius + backup / _capacityJoulesPerKelvin;
        }

        TankCelsius = endCelsius;
        Now = Now.AddSeconds(seconds);
        Accumulate(seconds, server, backup, loss, drawn, dumped, litres, runFraction, endCelsius);
        LastStep = new BoilerStep(Now.AddSeconds(-seconds), seconds, utilisation, runFraction, server, backup, loss, drawn, dumped, litres, startCelsius, endCelsius);
        return LastStep;
    }

    /// <summary>The reading a sensor on this boiler would give now.</summary>
    public BoilerTelemetry Telemetry()
    {
        var p = Parameters;
        double horizon = p.PlanningHorizonSeconds;
        double lossWatts = p.LossWattsPerKelvin * (TankCelsius - p.RoomCelsius);
        double drawWatts = p.Draw.LitresBetween(Now, horizon) * Water.KilogramsPerLitre
            * Water.HeatCapacityJoulesPerKilogramKelvin * (TankCelsius - p.ColdInletCelsius) / horizon;
        double demand = _capacityJoulesPerKelvin * (p.TargetCelsius - TankCelsius) / horizon + lossWatts + drawWatts;
        double maxAccepted = _capacityJoulesPerKelvin * (p.MaximumCelsius - TankCelsius) / horizon + lossWatts + drawWatts;
        var last = LastStep;
        double power = last.Seconds > 0 ? last.ServerWatts : 0;
        return new BoilerTelemetry(Now, TankCelsius, Math.Max(0, demand), last.EffectiveUtilisation, power, Math.Max(0, maxAccepted), p.MaximumCelsius);
    }

    private void Accumulate(
        double seconds, double server, double backup, double loss, double drawn, double dumped, double litres, double runFraction, double endCelsius)
    {
        _serverJoules += server;
        _backupJoules += backup;
        _lossJoules += loss;
        _drawnJoules += drawn;
        _dumpedJoules += dumped;
        _drawnLitres += litres;
        _simulatedSeconds += seconds;
        if (backup > 0 || endCelsius < Parameters.MinimumCelsius)
        {
            _shortfallSeconds += seconds;
        }

        if (runFraction < 1)
        {
            _throttledSeconds += seconds;
        }

        if (dumped > 0)
        {
            _dumpingSeconds += seconds;
        }
    }
}
