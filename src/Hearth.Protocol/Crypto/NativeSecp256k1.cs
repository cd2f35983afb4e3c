using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Hearth.Protocol.Crypto;

/// <summary>
/// The system's libsecp256k1 (Debian's libsecp256k1-1 or later, built with its recovery module), called through
/// function pointers. One context, randomised once against side channels, then shared: the library allows concurrent
/// calls that only read it.
/// </summary>
internal sealed unsafe class NativeSecp256k1 : Secp256k1Curve
{
    private static readonly string[] LibraryNames = ["libsecp256k1.so.2", "libsecp256k1.so.1", "libsecp256k1.so", "libsecp256k1.dylib", "secp256k1"];
    private const uint ContextSignAndVerify = 0x0301;
    private const uint Uncompressed = 0x0002;

    private readonly nint _context;
    private readonly delegate* unmanaged<nint, byte*, byte*, byte*, nint, nint, int> _signRecoverable;
    private readonly delegate* unmanaged<nint, byte*, int*, byte*, int> _serializeCompact;
    private readonly delegate* unmanaged<nint, byte*, byte*, int, int> _parseCompact;
    private readonly delegate* unmanaged<nint, byte*, byte*, byte*, int> _recover;
    private readonly delegate* unmanaged<nint, byte*, nuint*, byte*, uint, int> _serializePublicKey;

    private NativeSecp256k1(nint library, string name)
    {
        Name = $"native ({name})";
        var create = (delegate* unmanaged<uint, nint>)NativeLibrary.GetExport(library, "secp256k1_context_create");
        var randomize = (delegate* unmanaged<nint, byte*, int>)NativeLibrary.GetExport(library, "secp256k1_context_randomize");
        _signRecoverable = (delegate* unmanaged<nint, byte*, byte*, byte*, nint, nint, int>)NativeLibrary.GetExport(library, "secp256k1_ecdsa_sign_recoverable");
        _serializeCompact = (delegate* unmanaged<nint, byte*, int*, byte*, int>)NativeLibrary.GetExport(library, "secp256k1_ecdsa_recoverable_signature_serialize_compact");
        _parseCompact = (delegate* unmanaged<nint, byte*, byte*, int, int>)NativeLibrary.GetExport(library, "secp256k1_ecdsa_recoverable_signature_parse_compact");
        _recover = (delegate* unmanaged<nint, byte*, byte*, byte*, int>)NativeLibrary.GetExport(library, "secp256k1_ecdsa_recover");
        _serializePublicKey = (delegate* unmanaged<nint, byte*, nuint*, byte*, uint, int>)NativeLibrary.GetExport(library, "secp256k1_ec_pubkey_serialize");
        _context = create(ContextSignAndVerify);
        if (_context == 0) throw new InvalidOperationException("secp256k1_context_create failed");
        Span<byte> seed = stackalloc byte[32];
        RandomNumberGenerator.Fill(seed);
        fixed (byte* s = seed)
            if (randomize(_context, s) != 1) throw new InvalidOperationException("secp256k1_context_randomize failed");
    }

    public override string Name { get; }

    /// <summary>The library when one of its usual names loads and has the recovery module; null otherwise.</summary>
    public static NativeSecp256k1? TryLoad()
    {
        foreach (var name in LibraryNames)
        {
            if (!NativeLibrary.TryLoad(name, out var library)) continue;
            try
            {
                return new NativeSecp256k1(library, name);
            }
            catch (Exception e) when (e is EntryPointNotFoundException or InvalidOperationException)
            {
                NativeLibrary.Free(library); // built without the recovery module, or unusable
            }
        }
        return null;
    }

    public override bool TrySign(ReadOnlySpan<byte> digest, ReadOnlySpan<byte> secretKey, Span<byte> rs, out int recoveryId)
    {
        Check(digest, 32, nameof(digest));
        Check(secretKey, 32, nameof(secretKey));
        Check(rs, 64, nameof(rs));
        var signature = stackalloc byte[65];
        int id;
        fixed (byte* d = digest, k = secretKey, o = rs)
        {
            // A null nonce function is RFC 6979; the library always returns the low-s form.
            if (_signRecoverable(_context, signature, d, k, 0, 0) != 1)
            {
                recoveryId = 0;
                return false;
            }
            _serializeCompact(_context, o, &id, signature);
        }
        recoveryId = id;
        return true;
    }

    public override bool TryRecover(ReadOnlySpan<byte> digest, ReadOnlySpan<byte> rs, int recoveryId, Span<byte> publicKey)
    {
        Check(digest, 32, nameof(digest));
        Check(rs, 64, nameof(rs));
        Check(publicKey, 64, nameof(publicKey));
        if (recoveryId is < 0 or > 3) return false;
        var signature = stackalloc byte[65];
        var key = stackalloc byte[64];
        var uncompressed = stackalloc byte[65];
        nuint length = 65;
        fixed (byte* d = digest, input = rs)
        {
            if (_parseCompact(_context, signature, input, recoveryId) != 1) return false;
            if (_recover(_context, key, signature, d) != 1) return false;
        }
        _serializePublicKey(_context, uncompressed, &length, key, Uncompressed);
        new ReadOnlySpan<byte>(uncompressed + 1, 64).CopyTo(publicKey);
        return true;
    }

    private static void Check(ReadOnlySpan<byte> span, int length, string name)
    {
        if (span.Length != length) throw new ArgumentException($"{length} bytes were expected, not {span.Length}", name);
    }
}
