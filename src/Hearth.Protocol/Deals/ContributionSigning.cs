using System.Text;
using Hearth.Protocol.Orders;
using Nethereum.Signer;

namespace Hearth.Protocol.Deals;

/// <summary>EIP-712 Contribution(bytes32 task,bytes32 digest): what a worker signs instead of sending a transaction.</summary>
public static class ContributionSigning
{
    public const string Type = "Contribution(bytes32 task,bytes32 digest)";
    private static readonly Hash32 TypeHash = Hash32.Keccak(Encoding.UTF8.GetBytes(Type));

    public static Hash32 StructHash(Hash32 taskId, Hash32 digest)
    {
        Span<byte> buffer = stackalloc byte[96];
        AbiWords.Write(buffer, TypeHash);
        AbiWords.Write(buffer[32..], taskId);
        AbiWords.Write(buffer[64..], digest);
        return Hash32.Keccak(buffer);
    }

    /// <summary>The 65-byte signature of a worker over its result for a task.</summary>
    public static byte[] Sign(Eip712Domain domain, Hash32 taskId, Hash32 digest, EthECKey workerKey) =>
        Signatures.Sign(domain.Digest(StructHash(taskId, digest)), workerKey);

    /// <summary>The worker that signed, or null when the signature is malformed.</summary>
    public static string? RecoverWorker(Eip712Domain domain, Hash32 taskId, Hash32 digest, byte[] signature)
    {
        if (signature.Length != 65 || signature[64] is not (27 or 28)) return null;
        try
        {
            return Signatures.Recover(domain.Digest(StructHash(taskId, digest)), signature);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    public static Contribution ToContribution(long taskIndex, Hash32 digest, byte[] signature)
    {
        var (r, vs) = Signatures.ToCompact(signature);
        return new Contribution { Task = taskIndex, Digest = digest.ToArray(), R = r, Vs = vs };
    }
}
