namespace Hearth.Heat;

/// <summary>
/// A pool's price per task, lowered while its buildings want heat: computing that heats water the
/// buildings would otherwise heat electrically costs the pool less, and a lower price draws the work
/// there. The price falls linearly with the demand fraction, from the base price with no demand to
/// <see cref="HeatPricingOptions.FloorFraction"/> of it at full demand, and never lower.
/// </summary>
public sealed class HeatPricing
{
    private readonly double _floorFraction;

    public HeatPricing(HeatPricingOptions? options = null)
    {
        double floor = (options ?? new HeatPricingOptions()).FloorFraction;
        if (!double.IsFinite(floor) || floor < 0 || floor > 1)
        {
            throw new ArgumentException($"FloorFraction must lie between 0 and 1 (was {floor}).", nameof(options));
        }

        _floorFraction = floor;
    }

    /// <summary>Lowest price as a share of the base price.</summary>
    public double FloorFraction => _floorFraction;

    /// <summary>
    /// The pool's heat demand as a share of what its servers can deliver (0 to 1): the sum of its boilers'
    /// heat demand over <paramref name="poolMaxPowerWatts"/>, the servers' summed maximum power. Readings
    /// with a non-finite or negative demand count as no demand.
    /// </summary>
    public static double DemandFraction(IEnumerable<BoilerTelemetry> boilers, double poolMaxPowerWatts)
    {
        ArgumentNullException.ThrowIfNull(boilers);
        if (!double.IsFinite(poolMaxPowerWatts) || poolMaxPowerWatts <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(poolMaxPowerWatts), poolMaxPowerWatts, "The pool's maximum power must be a finite number of watts > 0.");
        }

        double demand = boilers
            .Where(b => b is not null && double.IsFinite(b.HeatDemandWatts) && b.HeatDemandWatts > 0)
            .Sum(b => b.HeatDemandWatts);
        return Math.Clamp(demand / poolMaxPowerWatts, 0, 1);
    }

    /// <summary>Price per task at <paramref name="demandFraction"/> (clamped to 0–1) of full demand.</summary>
    public decimal PricePerTask(decimal basePrice, double demandFraction)
    {
        if (basePrice < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(basePrice), basePrice, "The base price must be ≥ 0.");
        }

        if (double.IsNaN(demandFraction))
        {
            throw new ArgumentOutOfRangeException(nameof(demandFraction), demandFraction, "The demand fraction must be a number.");
        }

        double share = 1 - (1 - _floorFraction) * Math.Clamp(demandFraction, 0, 1);
        decimal floor = basePrice * (decimal)_floorFraction;
        return Math.Max(floor, basePrice * (decimal)share);
    }

    /// <summary>Price per task given the pool's boilers' readings and the servers' summed maximum power, W.</summary>
    public decimal PricePerTask(decimal basePrice, IEnumerable<BoilerTelemetry> boilers, double poolMaxPowerWatts) =>
        PricePerTask(basePrice, DemandFraction(boilers, poolMaxPowerWatts));
}
