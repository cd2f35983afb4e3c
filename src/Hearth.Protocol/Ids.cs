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

    /// <summary>
    /// The id of a deal of a request order: the request's EIP-712 hash for its first deal, and
    /// keccak256(abi.encode(requestHash, tasksConsumedBefore)) for a later deal of the same request (one matched only in part).
    /// The DealCreated event carries it; this says which deal of a request it is.
    /// </summary>
    public static Hash32 DealId(Hash32 requestHash, long tasksConsumedBefore)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tasksConsumedBefore);
        if (tasksConsumedBefore == 0) return requestHash;
        Span<byte> buffer = stackalloc byte[64];
        requestHash.Span.CopyTo(buffer);
        AbiWords.Write(buffer[32..], new BigInteger(tasksConsumedBefore));
        return Hash32.Keccak(buffer);
    }

    /// <summary>The digest of a result: the sha256 of its deterministic archive, which is also its storage address.</summary>
    public static Hash32 ResultDigest(ReadOnlySpan<byte> archive) => Hash32.Sha256(archive);
}
