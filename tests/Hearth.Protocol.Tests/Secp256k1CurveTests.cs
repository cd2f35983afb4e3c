using System.Security.Cryptography;
using Hearth.Protocol.Crypto;
using Hearth.Protocol.Orders;

namespace Hearth.Protocol.Tests;

/// <summary>The system's libsecp256k1 against NBitcoin's managed port: the same signatures, the same keys, the same refusals.</summary>
public sealed class Secp256k1CurveTests
{
    private static readonly NativeSecp256k1 Native = NativeSecp256k1.TryLoad()
        ?? throw new InvalidOperationException("libsecp256k1 does not load: install Debian's libsecp256k1-1 (scripts/setup.sh does)");
    private static readonly ManagedSecp256k1 Managed = ManagedSecp256k1.Instance;

    [Fact]
    public void The_native_library_is_the_default_here() => Assert.StartsWith("native", Secp256k1Curve.Default.Name);

    [Fact]
    public void Both_sign_the_same_bytes_and_recover_the_same_key_for_random_keys_and_digests()
    {
        Span<byte> key = stackalloc byte[32];
        Span<byte> digest = stackalloc byte[32];
        Span<byte> native = stackalloc byte[64], managed = stackalloc byte[64];
        Span<byte> nativeKey = stackalloc byte[64], managedKey = stackalloc byte[64];
        for (var i = 0; i < 300; i++)
        {
            RandomNumberGenerator.Fill(key);
            RandomNumberGenerator.Fill(digest);
            Assert.True(Native.TrySign(digest, key, native, out var nativeId));
            Assert.True(Managed.TrySign(digest, key, managed, out var managedId));
            Assert.True(native.SequenceEqual(managed), $"signatures differ for key {Convert.ToHexString(key)}");
            Assert.Equal(managedId, nativeId);

            Assert.True(Native.TryRecover(digest, native, nativeId, nativeKey));
            Assert.True(Managed.TryRecover(digest, native, nativeId, managedKey));
            Assert.True(nativeKey.SequenceEqual(managedKey));
        }
    }

    public static TheoryData<string, int> BadSignatures => new()
    {
        { new string('0', 128), 0 }, // r = s = 0
        { new string('f', 128), 0 }, // r and s above the group order
        { "01" + new string('0', 62) + new string('f', 64), 1 }, // s above the group order
        { new string('1', 128), 4 }, // no such recovery id
    };

    [Theory]
    [MemberData(nameof(BadSignatures))]
    public void Both_refuse_the_same_malformed_signatures(string rsHex, int recoveryId)
    {
        var rs = Convert.FromHexString(rsHex);
        var digest = Hash32.Keccak("x"u8);
        Span<byte> key = stackalloc byte[64];
        Assert.False(Native.TryRecover(digest.Span, rs, recoveryId, key));
        Assert.False(Managed.TryRecover(digest.Span, rs, recoveryId, key));
    }

    [Theory]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141")] // the group order itself
    [InlineData("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF")]
    public void Both_refuse_secret_keys_outside_the_group(string keyHex)
    {
        var key = Convert.FromHexString(keyHex);
        var digest = Hash32.Keccak("x"u8);
        Span<byte> rs = stackalloc byte[64];
        Assert.False(Native.TrySign(digest.Span, key, rs, out _));
        Assert.False(Managed.TrySign(digest.Span, key, rs, out _));
        Assert.Throws<ArgumentException>(() => Signatures.Sign(digest, key));
    }

    [Fact]
    public void Wrong_lengths_are_refused_before_reaching_the_library()
    {
        var rs = new byte[64];
        Assert.Throws<ArgumentException>(() => Native.TrySign(new byte[31], new byte[32], rs, out _));
        Assert.Throws<ArgumentException>(() => Native.TryRecover(new byte[32], new byte[63], 0, new byte[64]));
    }
}
