using Hearth.Protocol.Orders;

namespace Hearth.Protocol.Tests;

public sealed class ResourceTagTests
{
    private const long MiB = 1L << 20;
    private const long GiB = 1L << 30;

    [Fact]
    public void A_need_within_what_every_pool_gives_asks_for_nothing()
    {
        Assert.All(ResourceTag.Asking(new ResourceNeeds(256 * MiB, 1, 100 * MiB)), b => Assert.Equal(0, b));
        Assert.Equal(ResourceTag.Base, ResourceTag.LimitsOf(new byte[32]));
    }

    [Theory]
    [InlineData(300, 512)]
    [InlineData(512, 512)]
    [InlineData(513, 1024)]
    [InlineData(4096, 4096)]
    public void A_memory_need_runs_with_the_smallest_tier_that_covers_it(long needMiB, long tierMiB)
    {
        var tag = ResourceTag.Asking(new ResourceNeeds(MemoryBytes: needMiB * MiB));
        Assert.Equal(new ResourceNeeds(tierMiB * MiB, 256 * MiB, 256 * MiB), ResourceTag.LimitsOf(tag));
    }

    [Fact]
    public void An_offer_matches_every_need_up_to_it_and_none_above_under_the_markets_subset_rule()
    {
        var offer = ResourceTag.Offering(new ResourceNeeds(GiB, 4 * GiB, 1536 * MiB));
        foreach (var (need, fits) in new (ResourceNeeds, bool)[]
        {
            (new(MemoryBytes: GiB), true), (new(MemoryBytes: GiB + 1), false),
            (new(OutputBytes: 3 * GiB), true), (new(OutputBytes: 5 * GiB), false),
            // 1.5 GiB offered covers the 1 GiB tier, not the 2 GiB one.
            (new(ScratchBytes: GiB), true), (new(ScratchBytes: 1536 * MiB), false),
            (new(GiB, 4 * GiB, GiB), true),
        })
        {
            var asked = ResourceTag.Asking(need);
            Assert.Equal(fits, ResourceTag.Shortfall(asked, offer) is null);
            // The contract's rule, bit for bit: asked & ~offered == 0.
            Assert.Equal(fits, asked.Zip(offer).All(p => (p.First & ~p.Second) == 0));
        }
    }

    [Fact]
    public void Tiers_asked_by_the_app_and_the_request_combine_to_the_largest()
    {
        var asked = ResourceTag.Combine(ResourceTag.Asking(new ResourceNeeds(MemoryBytes: GiB)), ResourceTag.Asking(new ResourceNeeds(MemoryBytes: 2 * GiB, ScratchBytes: 8 * GiB)));
        Assert.Equal(new ResourceNeeds(2 * GiB, 256 * MiB, 8 * GiB), ResourceTag.LimitsOf(asked));
    }

    [Fact]
    public void A_shortfall_names_each_resource_what_was_asked_and_what_the_pool_gives()
    {
        var offer = ResourceTag.Offering(new ResourceNeeds(512 * MiB, null, null));
        var shortfall = ResourceTag.Shortfall(ResourceTag.Asking(new ResourceNeeds(2 * GiB, null, 3 * GiB)), offer);
        Assert.Equal("memory: 2 GiB asked, the pool offers up to 512 MiB; scratch: 4 GiB asked, the pool offers up to 256 MiB", shortfall);
        var feature = new byte[32];
        feature[31] = 1;
        Assert.Equal("features 0x1 asked, not offered", ResourceTag.Shortfall(feature, offer));
    }

    [Fact]
    public void Needs_beyond_the_largest_tier_or_not_positive_and_offers_below_the_base_are_refused()
    {
        Assert.Contains("above the largest", Assert.Throws<ArgumentException>(() => ResourceTag.Asking(new ResourceNeeds(MemoryBytes: 5 * GiB))).Message);
        Assert.Contains("above the largest", Assert.Throws<ArgumentException>(() => ResourceTag.Asking(new ResourceNeeds(OutputBytes: long.MaxValue))).Message);
        Assert.Contains("positive", Assert.Throws<ArgumentException>(() => ResourceTag.Asking(new ResourceNeeds(ScratchBytes: 0))).Message);
        Assert.Contains("positive", Assert.Throws<ArgumentException>(() => ResourceTag.Asking(new ResourceNeeds(MemoryBytes: -1))).Message);
        Assert.Contains("below the 256 MiB", Assert.Throws<ArgumentException>(() => ResourceTag.Offering(new ResourceNeeds(MemoryBytes: 128 * MiB))).Message);
        Assert.Throws<ArgumentException>(() => ResourceTag.LimitsOf(new byte[31]));
    }

    [Theory]
    [InlineData("1GiB", 1L << 30)]
    [InlineData("512 MiB", 512L << 20)]
    [InlineData("2g", 2L << 30)]
    [InlineData("64k", 64L << 10)]
    [InlineData("1GB", 1_000_000_000)]
    [InlineData("4096", 4096)]
    public void Sizes_are_read_as_people_write_them(string text, long bytes) => Assert.Equal(bytes, ResourceTag.ParseBytes(text));

    [Theory]
    [InlineData("")]
    [InlineData("lots")]
    [InlineData("1.5GiB")]
    [InlineData("-1GiB")]
    [InlineData("0")]
    [InlineData("1 parsec")]
    [InlineData("99999999999999999999GiB")]
    [InlineData("2000TiB")]
    public void Anything_else_is_not_a_size(string text) => Assert.Throws<FormatException>(() => ResourceTag.ParseBytes(text));
}
