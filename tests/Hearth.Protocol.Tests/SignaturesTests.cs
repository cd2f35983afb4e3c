using System.Text;
using Hearth.Protocol.Orders;
using Nethereum.Signer;

namespace Hearth.Protocol.Tests;

/// <summary>The secp256k1 code against Nethereum's, which wallets and the contracts agree with.</summary>
public sealed class SignaturesTests
{
    private static readonly EthECKey Key = new("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318");

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("Contribution(bytes32 task,bytes32 digest)")]
    public void Signs_exactly_as_nethereum_does_and_recovers_the_signer(string text)
    {
        var digest = Hash32.Keccak(Encoding.UTF8.GetBytes(text));

        var ours = Signatures.Sign(digest, Key);
        var theirs = Key.SignAndCalculateV(digest.ToArray());

        Assert.Equal([.. Pad(theirs.R), .. Pad(theirs.S), theirs.V[0]], ours);
        Assert.Equal(Key.GetPublicAddress(), Signatures.Recover(digest, ours));
    }

    [Fact]
    public void Personal_sign_matches_nethereum_both_ways()
    {
        const string message = "hearth login 0xabc for pool 7";
        var ours = Signatures.SignMessage(message, Key.GetPrivateKeyAsBytes());

        Assert.Equal(new EthereumMessageSigner().EncodeUTF8AndSign(message, Key), ours, ignoreCase: true);
        Assert.Equal(Key.GetPublicAddress(), Signatures.RecoverMessage(message, ours));
        Assert.Equal(Key.GetPublicAddress(), new EthereumMessageSigner().EncodeUTF8AndEcRecover(message, ours));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0x")]
    [InlineData("0x1234")]
    [InlineData("not hex at all, but exactly one hundred and thirty-two characters long to pass the length check......................")]
    public void Malformed_message_signatures_recover_nobody(string signature) =>
        Assert.Null(Signatures.RecoverMessage("anything", signature));

    [Fact]
    public void A_signature_with_a_bad_recovery_byte_or_zero_r_is_refused()
    {
        var digest = Hash32.Keccak("x"u8);
        var signature = Signatures.Sign(digest, Key);

        var badV = (byte[])signature.Clone();
        badV[64] = 29;
        Assert.Throws<ArgumentException>(() => Signatures.Recover(digest, badV));

        var zeroR = (byte[])signature.Clone();
        Array.Clear(zeroR, 0, 32);
        Assert.Throws<ArgumentException>(() => Signatures.Recover(digest, zeroR));
        Assert.Throws<ArgumentException>(() => Signatures.Recover(digest, signature[..64]));
    }

    [Fact]
    public void The_high_s_twin_of_a_valid_signature_is_refused()
    {
        var digest = Hash32.Keccak("x"u8);
        var signature = Signatures.Sign(digest, Key);
        var order = System.Numerics.BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
        var s = new System.Numerics.BigInteger(signature.AsSpan(32, 32), isUnsigned: true, isBigEndian: true);
        var twin = (byte[])signature.Clone();
        Pad((order - s).ToByteArray(isUnsigned: true, isBigEndian: true)).CopyTo(twin, 32);
        twin[64] = (byte)(signature[64] == 27 ? 28 : 27);

        Assert.True(Signatures.IsLowS(signature.AsSpan(32, 32)));
        Assert.False(Signatures.IsLowS(twin.AsSpan(32, 32)));
        var refused = Assert.Throws<ArgumentException>(() => Signatures.Recover(digest, twin));
        Assert.Contains("upper half", refused.Message);
        Assert.Null(Hearth.Protocol.Deals.ContributionSigning.RecoverWorker(new Eip712Domain(1, Key.GetPublicAddress()), digest, digest, twin));
    }

    [Fact]
    public void A_tampered_message_recovers_another_address()
    {
        var signature = Signatures.SignMessage("pay 1", Key.GetPrivateKeyAsBytes());

        Assert.NotEqual(Key.GetPublicAddress(), Signatures.RecoverMessage("pay 2", signature));
    }

    private static byte[] Pad(byte[] value) => value.Length == 32 ? value : [.. new byte[32 - value.Length], .. value];
}
