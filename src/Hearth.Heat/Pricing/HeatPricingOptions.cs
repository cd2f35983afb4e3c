namespace Hearth.Heat;

/// <summary>Settings of <see cref="HeatPricing"/>.</summary>
public sealed record HeatPricingOptions
{
    /// <summary>
    /// Price at full heat demand as a share of the base price (0 to 1): the discount never goes deeper.
    /// 0.6 passes on to buyers a part of what the heat is worth to the buildings.
    /// </summary>
    public double FloorFraction { get; init; } = 0.6;
}
