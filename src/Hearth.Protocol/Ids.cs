using System.Numerics;

namespace Hearth.Protocol;

public static class Ids
{
    /// <summary>A task's id: keccak256(dealId ‖ uint256 index), as the contract computes it.</summary>
    public static Hash32 TaskId(Hash32 dealId, long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        Span<byte> buffer = stackalloc byte[64];
        dealId.Span.CopyTo(buffer);
        AbiWords.Write(buffer[32..], new BigInteger(index));
        return Hash32.Keccak(buffer);
    }

    /// <summary>The digest of a result: the sha256 of its deterministic archive, which is also its storage address.</summary>
    public static Hash32 ResultDigest(ReadOnlySpan<byte> archive) => Hash32.Sha256(archive);
}
