using NBitcoin.Secp256k1;

namespace Hearth.Protocol.Crypto;

/// <summary>
/// The two secp256k1 operations an Ethereum signature needs: a recoverable ECDSA signature with an RFC 6979 nonce and low
/// s, and the public key recovered from one. <see cref="Default"/> is the system's libsecp256k1 when it loads (about ten
/// times less CPU), else NBitcoin's managed port of the same library; both give the same bytes.
/// </summary>
internal abstract class Secp256k1Curve
{
    public static Secp256k1Curve Default { get; } = (Secp256k1Curve?)NativeSecp256k1.TryLoad() ?? ManagedSecp256k1.Instance;

    public abstract string Name { get; }

    /// <summary>Signs a 32-byte digest with a 32-byte secret key; false when the key is not a valid secret key.</summary>
    public abstract bool TrySign(ReadOnlySpan<byte> digest, ReadOnlySpan<byte> secretKey, Span<byte> rs, out int recoveryId);

    /// <summary>The 64-byte public key (x ‖ y) that made the 64-byte signature r ‖ s with this recovery id; false when none does.</summary>
    public abstract bool TryRecover(ReadOnlySpan<byte> digest, ReadOnlySpan<byte> rs, int recoveryId, Span<byte> publicKey);
}

/// <summary>NBitcoin.Secp256k1: libsecp256k1's algorithms in C#.</summary>
internal sealed class ManagedSecp256k1 : Secp256k1Curve
{
    public static ManagedSecp256k1 Instance { get; } = new();

    public override string Name => "managed (NBitcoin.Secp256k1)";

    public override bool TrySign(ReadOnlySpan<byte> digest, ReadOnlySpan<byte> secretKey, Span<byte> rs, out int recoveryId)
    {
        recoveryId = 0;
        if (!ECPrivKey.TryCreate(secretKey, out var secret) || secret is null) return false;
        using (secret)
        {
            if (!secret.TrySignRecoverable(digest, out var signature) || signature is null) return false;
            signature.WriteToSpanCompact(rs, out recoveryId);
            return true;
        }
    }

    public override bool TryRecover(ReadOnlySpan<byte> digest, ReadOnlySpan<byte> rs, int recoveryId, Span<byte> publicKey)
    {
        if (!SecpRecoverableECDSASignature.TryCreateFromCompact(rs, recoveryId, out var recoverable) || recoverable is null
            || !ECPubKey.TryRecover(Context.Instance, recoverable, digest, out var key) || key is null)
            return false;
        Span<byte> uncompressed = stackalloc byte[65];
        key.WriteToSpan(compressed: false, uncompressed, out _);
        uncompressed[1..].CopyTo(publicKey);
        return true;
    }
}
