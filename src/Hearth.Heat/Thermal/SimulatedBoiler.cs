namespace Hearth.Heat;

/// <summary>
/// A <see cref="BoilerModel"/> behind the telemetry interface, advanced by a <see cref="TimeProvider"/>:
/// every read first steps the model in fixed steps up to the clock's present. Time short of a whole step
/// waits for the next read, so the model's trajectory depends on the clock alone, never on how often it is read.
/// A clock offset moves the model's day (its building's hour, hence its draw) while its readings keep the clock's time.
/// </summary>
public sealed class SimulatedBoiler : IBoilerTelemetrySource
{
    private readonly TimeProvider _clock;
    private double _utilisation;

    public SimulatedBoiler(string boilerId, BoilerModel model, TimeProvider clock, double stepSeconds, TimeSpan clockOffset = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(boilerId);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(clock);
        if (!double.IsFinite(stepSeconds) || stepSeconds <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(stepSeconds), stepSeconds, "The step must be a finite number of seconds > 0.");
        }

        BoilerId = boilerId;
        Model = model;
        _clock = clock;
        StepSeconds = stepSeconds;
        ClockOffset = clockOffset;
    }

    public string BoilerId { get; }

    public BoilerModel Model { get; }

    public double StepSeconds { get; }

    /// <summary>The model's time minus the clock's: the model lives this far ahead of (or behind) the clock.</summary>
    public TimeSpan ClockOffset { get; }

    /// <summary>Utilisation the running tasks ask of the servers from now on (0 to 1).</summary>
    public double RequestedUtilisation
    {
        get => _utilisation;
        set
        {
            if (!double.IsFinite(value) || value < 0 || value > 1)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Utilisation must lie between 0 and 1.");
            }

            CatchUp();
            _utilisation = value;
        }
    }

    /// <summary>Steps the model up to the clock's present and returns its reading.</summary>
    public BoilerTelemetry Read()
    {
        CatchUp();
        var reading = Model.Telemetry();
        return ClockOffset == TimeSpan.Zero ? reading : reading with { Timestamp = reading.Timestamp - ClockOffset };
    }

    public ValueTask<BoilerTelemetry> ReadAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read());
    }

    /// <summary>Advances the model by whole steps up to the clock; returns the steps taken.</summary>
    public IReadOnlyList<BoilerStep> CatchUp()
    {
        var now = _clock.GetUtcNow() + ClockOffset;
        var steps = new List<BoilerStep>();
        while ((now - Model.Now).TotalSeconds >= StepSeconds)
        {
            steps.Add(Model.Step(StepSeconds, _utilisation));
        }

        return steps;
    }
}
