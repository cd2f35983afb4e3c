using Nethereum.Signer;

namespace Hearth.Protocol.Orders;

/// <summary>Signs EIP-712 digests with a wallet key, as any standard wallet would (65 bytes r ‖ s ‖ v, low s).</summary>
public static class Signatures
{
    public static byte[] Sign(Hash32 digest, EthECKey key)
    {
        var signature = key.SignAndCalculateV(digest.ToArray());
        var bytes = new byte[65];
        Pad32(signature.R).CopyTo(bytes, 0);
        Pad32(signature.S).CopyTo(bytes, 32);
        bytes[64] = signature.V[0];
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

    public static string Recover(Hash32 digest, byte[] signature)
    {
        var ecdsa = EthECDSASignatureFactory.FromComponents(signature[..32], signature[32..64], signature[64]);
        return EthECKey.RecoverFromSignature(ecdsa, digest.ToArray()).GetPublicAddress();
    }

    private static byte[] Pad32(byte[] value)
    {
        if (value.Length == 32) return value;
        var padded = new byte[32];
        value.CopyTo(padded, 32 - value.Length);
        return padded;
    }
}
