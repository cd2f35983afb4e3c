using System.Text;
using Hearth.Protocol.Crypto;
using Nethereum.Signer;
using Nethereum.Util;

namespace Hearth.Protocol.Orders;

/// <summary>
/// Signs and recovers secp256k1 signatures as any standard wallet does: 65 bytes r ‖ s ‖ v (v = 27 or 28), low s,
/// RFC 6979 nonces. The curve maths is libsecp256k1 (<see cref="Secp256k1Curve"/>), not the generic big-integer code:
/// a scheduler checks one signature per task and signs one authorisation per assignment.
/// </summary>
public static class Signatures
{
    // secp256k1's order / 2, big-endian: a signature with a larger s is the malleable twin of a valid one. The contract
    // (OpenZeppelin's ECDSA, and the compact (r, vs) form of contributions) cannot take it: refused where it arrives.
    private static readonly byte[] HalfOrder = Convert.FromHexString("7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0");

    /// <summary>Whether the 32-byte big-endian <paramref name="s"/> is in the lower half of the curve order.</summary>
    public static bool IsLowS(ReadOnlySpan<byte> s) => s.Length == 32 && s.SequenceCompareTo(HalfOrder) <= 0;

    public static byte[] Sign(Hash32 digest, EthECKey key) => Sign(digest, key.GetPrivateKeyAsBytes());

    public static byte[] Sign(Hash32 digest, ReadOnlySpan<byte> privateKey)
    {
        var bytes = new byte[65];
        if (!Secp256k1Curve.Default.TrySign(digest.Span, privateKey.Length == 32 ? privateKey : Pad32(privateKey), bytes.AsSpan(0, 64), out var recoveryId))
            throw new ArgumentException("not a valid secp256k1 private key", nameof(privateKey));
        bytes[64] = (byte)(27 + recoveryId);
        return bytes;
    }

    public static byte[] Sign(IOrder order, Eip712Domain domain, EthECKey key) => Sign(domain.Digest(order.StructHash()), key);

    /// <summary>The EIP-2098 compact form (r, vs) of a 65-byte signature.</summary>
    public static (byte[] R, byte[] Vs) ToCompact(byte[] signature)
    {
        if (signature.Length != 65) throw new ArgumentException("a 65-byte signature was expected");
        var r = signature[..32];
        var vs = signature[32..64];
        var v = signature[64];
        if (v is not (27 or 28)) throw new ArgumentException($"bad recovery byte {v}");
        if (v == 28) vs[0] |= 0x80;
        return (r, vs);
    }

    /// <summary>The EIP-55 address whose key made <paramref name="signature"/> over <paramref name="digest"/>.</summary>
    /// <exception cref="ArgumentException">The signature is not 65 bytes, its v is not 27 or 28, its s is in the upper
    /// half of the curve order (the chain refuses it), or no key recovers from it.</exception>
    public static string Recover(Hash32 digest, byte[] signature)
    {
        if (signature.Length != 65) throw new ArgumentException("a 65-byte signature was expected", nameof(signature));
        if (signature[64] is not (27 or 28)) throw new ArgumentException($"bad recovery byte {signature[64]}", nameof(signature));
        if (!IsLowS(signature.AsSpan(32, 32)))
            throw new ArgumentException("s is in the upper half of the curve order (a malleable signature the chain refuses)", nameof(signature));
        Span<byte> publicKey = stackalloc byte[64];
        if (!Secp256k1Curve.Default.TryRecover(digest.Span, signature.AsSpan(0, 64), signature[64] - 27, publicKey))
            throw new ArgumentException("no public key recovers from this signature", nameof(signature));
        var hash = Hash32.Keccak(publicKey);
        return AddressUtil.Current.ConvertToChecksumAddress(Convert.ToHexStringLower(hash.Span[12..]));
    }

    /// <summary>EIP-191 personal_sign of a UTF-8 text: 0x and 130 hex digits.</summary>
    public static string SignMessage(string message, ReadOnlySpan<byte> privateKey) =>
        "0x" + Convert.ToHexStringLower(Sign(MessageDigest(message), privateKey));

    /// <summary>The signer of an EIP-191 personal_sign signature, or null when the signature is malformed.</summary>
    public static string? RecoverMessage(string message, string signatureHex)
    {
        if (signatureHex is not { Length: 132 } || !signatureHex.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            return Recover(MessageDigest(message), Convert.FromHexString(signatureHex.AsSpan(2)));
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            return null;
        }
    }

    /// <summary>keccak256("\x19Ethereum Signed Message:\n" ‖ length ‖ message).</summary>
    public static Hash32 MessageDigest(string message)
    {
        var body = Encoding.UTF8.GetBytes(message);
        var prefix = Encoding.UTF8.GetBytes($"\u0019Ethereum Signed Message:\n{body.Length}");
        return Hash32.Keccak([.. prefix, .. body]);
    }

    private static byte[] Pad32(ReadOnlySpan<byte> value)
    {
        if (value.Length > 32) throw new ArgumentException("a private key has at most 32 bytes");
        var padded = new byte[32];
        value.CopyTo(padded.AsSpan(32 - value.Length));
        return padded;
    }
}
