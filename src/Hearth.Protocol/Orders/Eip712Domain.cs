using System.Numerics;
using System.Text;

namespace Hearth.Protocol.Orders;

/// <summary>The EIP-712 domain of one market deployment: signatures do not replay across chains or contracts.</summary>
public sealed record Eip712Domain(BigInteger ChainId, string VerifyingContract)
{
    public const string Name = "Hearth";
    public const string Version = "1";

    private static readonly Hash32 DomainTypeHash =
        Hash32.Keccak(Encoding.UTF8.GetBytes("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"));

    public Hash32 Separator
    {
        get
        {
            Span<byte> buffer = stackalloc byte[5 * 32];
            AbiWords.Write(buffer, DomainTypeHash);
            AbiWords.WriteStringHash(buffer[32..], Name);
            AbiWords.WriteStringHash(buffer[64..], Version);
            AbiWords.Write(buffer[96..], ChainId);
            AbiWords.Write(buffer[128..], VerifyingContract);
            return Hash32.Keccak(buffer);
        }
    }

    /// <summary>keccak256(0x1901 ‖ domain separator ‖ struct hash): what a wallet signs.</summary>
    public Hash32 Digest(Hash32 structHash)
    {
        Span<byte> buffer = stackalloc byte[66];
        buffer[0] = 0x19;
        buffer[1] = 0x01;
        Separator.Span.CopyTo(buffer[2..]);
        structHash.Span.CopyTo(buffer[34..]);
        return Hash32.Keccak(buffer);
    }
}
