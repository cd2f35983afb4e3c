namespace Hearth.Storage.Tests;

public class BlobAddressTests
{
    [Fact]
    public void Address_of_content_is_its_lowercase_hex_sha256()
    {
        var address = BlobAddress.Compute("abc"u8);

        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", address.Hex);
        Assert.Equal("ba", address.Shard);
        Assert.Equal(address, BlobAddress.Parse(address.Hex));
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("..")]
    [InlineData("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD")]
    [InlineData("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a")]
    [InlineData("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0")]
    [InlineData("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a/")]
    [InlineData("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f2001/ad")]
    [InlineData("ga7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("")]
    public void Malformed_addresses_are_rejected(string text)
    {
        Assert.False(BlobAddress.TryParse(text, out _));
        var error = Assert.Throws<FormatException>(() => BlobAddress.Parse(text));
        Assert.Contains("64 lowercase hex characters", error.Message);
    }

    [Fact]
    public void Long_hostile_input_is_cut_short_in_messages()
    {
        var message = BlobAddress.DescribeInvalid(new string('x', 10_000));

        Assert.True(message.Length < 200, message);
        Assert.Contains("10000 characters", message);
    }

    [Fact]
    public void Default_address_names_no_blob()
    {
        Assert.Throws<InvalidOperationException>(() => default(BlobAddress).Hex);
    }
}
