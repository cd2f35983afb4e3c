namespace Hearth.Heat;

/// <summary>Settings of <see cref="CitySimulation"/>; every field has a usable default.</summary>
public sealed record SimulationOptions
{
    /// <summary>Boilers in the city (homes, offices and a pool's boilers).</summary>
    public int BoilerCount { get; init; } = 40;

    /// <summary>Seed of every random draw (buildings and tasks): same seed, same report.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Model step and scheduling interval, seconds.</summary>
    public double StepSeconds { get; init; } = 60;

    /// <summary>Folder for the PNG plots; none are written when null.</summary>
    public string? OutputFolder { get; init; }

    /// <summary>
    /// Task energy of the day as a share of the heat the city's tanks need on a winter day beyond what idle
    /// servers give. Below 1 the city could absorb every task as heat in winter.
    /// </summary>
    public double DemandShareOfWinterHeat { get; init; } = 0.6;

    /// <summary>Tasks a boiler's servers run at once; one task uses one slot's share of the load range.</summary>
    public int SlotsPerBoiler { get; init; } = 6;

    /// <summary>Shortest and longest task, seconds.</summary>
    public double MinTaskSeconds { get; init; } = 5 * 60;

    public double MaxTaskSeconds { get; init; } = 30 * 60;

    /// <summary>Range of a task's deadline as a multiple of its duration, counted from its arrival.</summary>
    public double MinDeadlineFactor { get; init; } = 2;

    public double MaxDeadlineFactor { get; init; } = 6;

    /// <summary>What the servers do when a tank is full; the same for both policies.</summary>
    public OverheatResponse Overheat { get; init; } = OverheatResponse.Dump;

    /// <summary>Number of boilers whose tank temperature the plots show.</summary>
    public int PlottedBoilers { get; init; } = 4;

    /// <summary>Every problem found; empty when the options are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (BoilerCount is < 1 or > 10_000)
        {
            errors.Add($"BoilerCount must lie between 1 and 10000 (was {BoilerCount}).");
        }

        if (!double.IsFinite(StepSeconds) || StepSeconds < 1 || StepSeconds > 900)
        {
            errors.Add($"StepSeconds must lie between 1 and 900 (was {StepSeconds}).");
        }

        if (!double.IsFinite(DemandShareOfWinterHeat) || DemandShareOfWinterHeat <= 0 || DemandShareOfWinterHeat > 5)
        {
            errors.Add($"DemandShareOfWinterHeat must be > 0 and ≤ 5 (was {DemandShareOfWinterHeat}).");
        }

        if (SlotsPerBoiler is < 1 or > 1000)
        {
            errors.Add($"SlotsPerBoiler must lie between 1 and 1000 (was {SlotsPerBoiler}).");
        }

        if (!double.IsFinite(MinTaskSeconds) || !double.IsFinite(MaxTaskSeconds) || MinTaskSeconds <= 0 || MaxTaskSeconds < MinTaskSeconds)
        {
            errors.Add($"Task durations need 0 < MinTaskSeconds ≤ MaxTaskSeconds (were {MinTaskSeconds} and {MaxTaskSeconds}).");
        }

        if (!double.IsFinite(MinDeadlineFactor) || !double.IsFinite(MaxDeadlineFactor) || MinDeadlineFactor < 1 || MaxDeadlineFactor < MinDeadlineFactor)
        {
            errors.Add($"Deadline factors need 1 ≤ MinDeadlineFactor ≤ MaxDeadlineFactor (were {MinDeadlineFactor} and {MaxDeadlineFactor}).");
        }

        if (!Enum.IsDefined(Overheat))
        {
            errors.Add($"Overheat ({(int)Overheat}) is not a known response.");
        }

        if (PlottedBoilers < 0)
        {
            errors.Add($"PlottedBoilers must be ≥ 0 (was {PlottedBoilers}).");
        }

        if (OutputFolder is not null && string.IsNullOrWhiteSpace(OutputFolder))
        {
            errors.Add("OutputFolder must be null or a path.");
        }

        return errors;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> listing every problem, if there is any.</summary>
    public void EnsureValid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid simulation options: " + string.Join(" ", errors), "options");
        }
    }
}
