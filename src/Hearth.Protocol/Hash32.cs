using System.Security.Cryptography;
using Nethereum.Util;

namespace Hearth.Protocol;

/// <summary>A 32-byte value: an order hash, a deal or task id, a result digest.</summary>
public readonly struct Hash32 : IEquatable<Hash32>
{
    private readonly byte[]? _bytes;

    public Hash32(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 32) throw new ArgumentException($"a 32-byte value was expected, got {bytes.Length} bytes");
        _bytes = bytes.ToArray();
    }

    public static Hash32 Zero => new(new byte[32]);

    public ReadOnlySpan<byte> Span => _bytes ?? new byte[32];

    public byte[] ToArray() => Span.ToArray();

    public bool IsZero => Span.IndexOfAnyExcept((byte)0) < 0;

    public static Hash32 Keccak(ReadOnlySpan<byte> data) => new(Sha3Keccack.Current.CalculateHash(data.ToArray()));

    public static Hash32 Sha256(ReadOnlySpan<byte> data) => new(SHA256.HashData(data));

    /// <summary>Parses 64 hex digits, with or without 0x.</summary>
    public static Hash32 Parse(string hex)
    {
        if (!TryParse(hex, out var value)) throw new FormatException($"'{hex}' is not a 32-byte hex value");
        return value;
    }

    public static bool TryParse(string? hex, out Hash32 value)
    {
        value = default;
        if (hex is null) return false;
        var digits = hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? hex[2..] : hex;
        if (digits.Length != 64) return false;
        try
        {
            value = new Hash32(Convert.FromHexString(digits));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>0x-prefixed lowercase hex, as the chain shows it.</summary>
    public override string ToString() => "0x" + Convert.ToHexStringLower(Span);

    /// <summary>Lowercase hex without prefix, as content-addressed storage names a blob.</summary>
    public string ToPlainHex() => Convert.ToHexStringLower(Span);

    public bool Equals(Hash32 other) => Span.SequenceEqual(other.Span);

    public override bool Equals(object? obj) => obj is Hash32 other && Equals(other);

    public override int GetHashCode() => BitConverter.ToInt32(Span[..4]);

    public static bool operator ==(Hash32 a, Hash32 b) => a.Equals(b);

    public static bool operator !=(Hash32 a, Hash32 b) => !a.Equals(b);
}
