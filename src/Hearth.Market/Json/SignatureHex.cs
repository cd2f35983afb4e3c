using Hearth.Protocol.Orders;

namespace Hearth.Market.Json;

/// <summary>Parses a 65-byte r ‖ s ‖ v signature as the contract will check it.</summary>
internal static class SignatureHex
{
    /// <summary>Empty ("0x") means pre-signed on chain. A recovery byte of 0 or 1 (some hardware wallets) becomes 27 or 28,
    /// since the contract's ecrecover only takes the latter.</summary>
    public static byte[] Parse(string? text)
    {
        const string field = "signature";
        if (text is null) throw new OrderFormatException(field, "is missing");
        if (!text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || text.Length % 2 != 0
            || text.AsSpan(2).IndexOfAnyExcept("0123456789abcdefABCDEF") >= 0)
            throw new OrderFormatException(field, "expected 0x and hex digits");
        var bytes = Convert.FromHexString(text.AsSpan(2));
        if (bytes.Length == 0) return bytes;
        if (bytes.Length != 65)
            throw new OrderFormatException(field, $"expected 65 bytes (r, s, v), got {bytes.Length}; compact 64-byte signatures are not accepted");
        if (bytes[64] is 0 or 1) bytes[64] += 27;
        if (bytes[64] is not (27 or 28)) throw new OrderFormatException(field, $"the recovery byte v is {bytes[64]}, expected 27 or 28");
        if (!Signatures.IsLowS(bytes.AsSpan(32, 32))) throw new OrderFormatException(field, "s is in the upper half of the curve order (a malleable signature the contract refuses)");
        return bytes;
    }
}
