namespace Hearth.Heat.Tests;

public class HeatPricingTests
{
    private readonly HeatPricing _pricing = new(new HeatPricingOptions { FloorFraction = 0.6 });

    [Fact]
    public void Without_heat_demand_the_price_is_the_base_price() =>
        Assert.Equal(100m, _pricing.PricePerTask(100m, 0));

    [Fact]
    public void At_full_demand_the_price_is_the_floor() =>
        Assert.Equal(60m, _pricing.PricePerTask(100m, 1));

    [Fact]
    public void The_price_falls_linearly_in_between() =>
        Assert.Equal(80m, _pricing.PricePerTask(100m, 0.5));

    [Theory]
    [InlineData(3)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(-2)]
    public void Out_of_range_demand_is_clamped_and_never_goes_below_the_floor(double demandFraction)
    {
        decimal price = _pricing.PricePerTask(100m, demandFraction);

        Assert.InRange(price, 60m, 100m);
    }

    [Fact]
    public void The_price_never_rises_with_demand()
    {
        decimal previous = decimal.MaxValue;
        for (int i = 0; i <= 100; i++)
        {
            decimal price = _pricing.PricePerTask(12_345m, i / 100.0);
            Assert.True(price <= previous);
            Assert.True(price >= 12_345m * 0.6m);
            previous = price;
        }
    }

    [Fact]
    public void Demand_is_the_boilers_summed_heat_demand_over_the_pools_power()
    {
        var boilers = new[]
        {
            Build.Telemetry(demandWatts: 5000),
            Build.Telemetry(demandWatts: 10_000),
            Build.Telemetry(demandWatts: double.NaN),
            Build.Telemetry(demandWatts: -300),
        };

        Assert.Equal(0.5, HeatPricing.DemandFraction(boilers, 30_000), 12);
        Assert.Equal(1, HeatPricing.DemandFraction(boilers, 10_000), 12);
        Assert.Equal(80m, _pricing.PricePerTask(100m, boilers, 30_000));
    }

    [Fact]
    public void Invalid_inputs_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new HeatPricing(new HeatPricingOptions { FloorFraction = 1.5 }));
        Assert.Throws<ArgumentException>(() => new HeatPricing(new HeatPricingOptions { FloorFraction = double.NaN }));
        Assert.Throws<ArgumentOutOfRangeException>(() => _pricing.PricePerTask(-1m, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => _pricing.PricePerTask(100m, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => HeatPricing.DemandFraction([], 0));
    }
}
