using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;

namespace Hearth.Protocol.Deals;

/// <summary>A worker's signed claim that a task produced a result digest, in the compact form the contract takes.</summary>
[Struct("Contribution")]
public sealed class Contribution
{
    [Parameter("uint256", "task", 1)] public BigInteger Task { get; set; }
    [Parameter("bytes32", "digest", 2)] public byte[] Digest { get; set; } = new byte[32];
    [Parameter("bytes32", "r", 3)] public byte[] R { get; set; } = new byte[32];
    [Parameter("bytes32", "vs", 4)] public byte[] Vs { get; set; } = new byte[32];
}
