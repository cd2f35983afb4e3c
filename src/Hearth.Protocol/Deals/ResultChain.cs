using System.Numerics;
using System.Text;
using Hearth.Protocol.Orders;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Signer;

namespace Hearth.Protocol.Deals;

/// <summary>
/// A worker's chain over its results in one deal: head' = keccak256(abi.encode(head, task, digest)) from a zero head,
/// with an EIP-712 ResultChain(bytes32 deal,bytes32 head) signature after each result. Any contiguous stretch of the
/// chain is proven on chain by the head before it and the signature over the head after it, so a scheduler settles a
/// worker's lone results (trust 1 or 2) with one signature per run instead of one per task (<c>settleRuns</c>).
/// </summary>
public static class ResultChain
{
    public const string Type = "ResultChain(bytes32 deal,bytes32 head)";
    private static readonly Hash32 TypeHash = Hash32.Keccak(Encoding.UTF8.GetBytes(Type));

    /// <summary>The head after one more result.</summary>
    public static Hash32 Next(Hash32 head, long taskIndex, Hash32 digest)
    {
        Span<byte> buffer = stackalloc byte[96];
        AbiWords.Write(buffer, head);
        AbiWords.Write(buffer[32..], new BigInteger(taskIndex));
        AbiWords.Write(buffer[64..], digest);
        return Hash32.Keccak(buffer);
    }

    public static Hash32 StructHash(Hash32 dealId, Hash32 head)
    {
        Span<byte> buffer = stackalloc byte[96];
        AbiWords.Write(buffer, TypeHash);
        AbiWords.Write(buffer[32..], dealId);
        AbiWords.Write(buffer[64..], head);
        return Hash32.Keccak(buffer);
    }

    /// <summary>The 65-byte signature of a worker over the head of its chain in a deal.</summary>
    public static byte[] Sign(Eip712Domain domain, Hash32 dealId, Hash32 head, EthECKey workerKey) =>
        Signatures.Sign(domain.Digest(StructHash(dealId, head)), workerKey);

    /// <summary>The worker that signed the head, or null when the signature is malformed or its s is high.</summary>
    public static string? RecoverWorker(Eip712Domain domain, Hash32 dealId, Hash32 head, byte[] signature)
    {
        if (signature.Length != 65 || signature[64] is not (27 or 28)) return null;
        try
        {
            return Signatures.Recover(domain.Digest(StructHash(dealId, head)), signature);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }
}

/// <summary>One lone result of a run, as the contract takes it (its TaskResult).</summary>
[Struct("TaskResult")]
public sealed class RunEntry
{
    [Parameter("uint256", "task", 1)] public BigInteger Task { get; set; }
    [Parameter("bytes32", "digest", 2)] public byte[] Digest { get; set; } = new byte[32];
}

/// <summary>A stretch of one worker's result chain: the head before it, the signature over the head after it.</summary>
[Struct("ResultRun")]
public sealed class ResultRun
{
    [Parameter("bytes32", "start", 1)] public byte[] Start { get; set; } = new byte[32];
    [Parameter("bytes32", "r", 2)] public byte[] R { get; set; } = new byte[32];
    [Parameter("bytes32", "vs", 3)] public byte[] Vs { get; set; } = new byte[32];
    [Parameter("tuple[]", "results", 4, structTypeName: "TaskResult[]")] public List<RunEntry> Results { get; set; } = [];

    public static ResultRun Of(Hash32 start, byte[] signature, IEnumerable<(long Task, Hash32 Digest)> results)
    {
        var (r, vs) = Signatures.ToCompact(signature);
        return new ResultRun
        {
            Start = start.ToArray(), R = r, Vs = vs,
            Results = results.Select(x => new RunEntry { Task = x.Task, Digest = x.Digest.ToArray() }).ToList(),
        };
    }
}
