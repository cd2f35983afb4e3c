using System.Text;
using Hearth.Protocol.Orders;
using Nethereum.Signer;

namespace Hearth.Protocol.Deals;

/// <summary>
/// EIP-712 RunLogs(bytes32 task,bytes32 result,bytes32 logs), in the contributions' domain: the worker vouches that the
/// logs blob <c>logs</c> (the sha256 of its <see cref="RunLogs"/> bytes) is what its run of <c>task</c> that left the
/// result <c>result</c> printed. The logs travel beside the certified archive, not inside it (a program whose logs are
/// not deterministic still reaches consensus), so this signature, not the chain, is what the requester checks them by.
/// </summary>
public static class RunLogsSigning
{
    public const string Type = "RunLogs(bytes32 task,bytes32 result,bytes32 logs)";
    private static readonly Hash32 TypeHash = Hash32.Keccak(Encoding.UTF8.GetBytes(Type));

    public static Hash32 StructHash(Hash32 taskId, Hash32 result, Hash32 logs)
    {
        Span<byte> buffer = stackalloc byte[128];
        AbiWords.Write(buffer, TypeHash);
        AbiWords.Write(buffer[32..], taskId);
        AbiWords.Write(buffer[64..], result);
        AbiWords.Write(buffer[96..], logs);
        return Hash32.Keccak(buffer);
    }

    /// <summary>The 65-byte signature of a worker over the logs of its run.</summary>
    public static byte[] Sign(Eip712Domain domain, Hash32 taskId, Hash32 result, Hash32 logs, EthECKey workerKey) =>
        Signatures.Sign(domain.Digest(StructHash(taskId, result, logs)), workerKey);

    /// <summary>The worker that signed, or null when the signature is malformed.</summary>
    public static string? RecoverWorker(Eip712Domain domain, Hash32 taskId, Hash32 result, Hash32 logs, byte[] signature)
    {
        if (signature.Length != 65 || signature[64] is not (27 or 28)) return null;
        try
        {
            return Signatures.Recover(domain.Digest(StructHash(taskId, result, logs)), signature);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }
}
