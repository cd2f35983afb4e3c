namespace Hearth.Protocol.Tests;

public sealed class IdsTests
{
    [Fact]
    public void Hash32_round_trips_hex_and_rejects_malformed_values()
    {
        var h = Hash32.Sha256("x"u8);
        Assert.Equal(h, Hash32.Parse(h.ToString()));
        Assert.Equal(h, Hash32.Parse(h.ToPlainHex()));
        Assert.False(Hash32.TryParse("0x1234", out _));
        Assert.False(Hash32.TryParse("0x" + new string('z', 64), out _));
        Assert.False(Hash32.TryParse(null, out _));
        Assert.Throws<FormatException>(() => Hash32.Parse("nope"));
    }

    [Fact]
    public void Task_ids_differ_by_deal_and_index()
    {
        var deal = Hash32.Sha256("deal"u8);
        Assert.NotEqual(Ids.TaskId(deal, 0), Ids.TaskId(deal, 1));
        Assert.NotEqual(Ids.TaskId(deal, 0), Ids.TaskId(Hash32.Sha256("other"u8), 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ids.TaskId(deal, -1));
    }

    [Fact]
    public void A_requests_first_deal_has_its_hash_as_id_and_a_later_one_the_hash_of_it_and_the_tasks_before()
    {
        var request = Hash32.Sha256("request"u8);
        Assert.Equal(request, Ids.DealId(request, 0));
        // keccak256(abi.encode(bytes32, uint256)): the two words, packed as they are.
        var words = new byte[64];
        request.Span.CopyTo(words);
        words[63] = 4;
        Assert.Equal(Hash32.Keccak(words), Ids.DealId(request, 4));
        Assert.NotEqual(Ids.DealId(request, 4), Ids.DealId(request, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ids.DealId(request, -1));
    }

    [Fact]
    public void Addresses_are_validated()
    {
        Assert.True(Addresses.IsValid("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"));
        Assert.False(Addresses.IsValid("0x70997970C51812dc3A010C7d01b50e0d17dc79"));
        Assert.False(Addresses.IsValid("70997970C51812dc3A010C7d01b50e0d17dc79C8aa"));
        Assert.Throws<FormatException>(() => Addresses.ToBytes("0xzz997970C51812dc3A010C7d01b50e0d17dc79C8"));
    }
}
