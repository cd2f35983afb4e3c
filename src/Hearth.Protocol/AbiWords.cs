using System.Numerics;
using System.Text;
using Nethereum.Util;

namespace Hearth.Protocol;

/// <summary>32-byte ABI words, as EIP-712 struct hashing encodes each field.</summary>
public static class AbiWords
{
    public static void Write(Span<byte> word, BigInteger value)
    {
        if (value.Sign < 0) throw new ArgumentOutOfRangeException(nameof(value), "a uint256 cannot be negative");
        word[..32].Clear();
        if (!value.TryWriteBytes(word[..32], out var written, isUnsigned: true, isBigEndian: true))
            throw new ArgumentOutOfRangeException(nameof(value), "the value does not fit 256 bits");
        if (written < 32)
        {
            // TryWriteBytes writes at the start; a word is right-aligned.
            var tmp = word[..written].ToArray();
            word[..32].Clear();
            tmp.CopyTo(word[(32 - written)..32]);
        }
    }

    public static void Write(Span<byte> word, string address)
    {
        var bytes = Addresses.ToBytes(address);
        word[..12].Clear();
        bytes.CopyTo(word[12..32]);
    }

    public static void Write(Span<byte> word, Hash32 value) => value.Span.CopyTo(word);

    public static void WriteStringHash(Span<byte> word, string value) =>
        Sha3Keccack.Current.CalculateHash(Encoding.UTF8.GetBytes(value)).CopyTo(word);
}
