using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;

namespace Hearth.Protocol.Orders;

/// <summary>A pool's offer of capacity: a price per task for a category (time limit) and up to a trust level.</summary>
[Struct("WorkerpoolOrder")]
public sealed class WorkerpoolOrder : IOrder
{
    public const string Type =
        "WorkerpoolOrder(uint256 workerpool,uint256 workerpoolprice,uint256 volume,bytes32 tag,uint256 category,uint256 trust,uint256 apprestrict,uint256 datasetrestrict,address requesterrestrict,uint256 expiry,bytes32 salt)";

    private static readonly Hash32 TypeHash = StructEncoder.TypeHash(Type);

    [Parameter("uint256", "workerpool", 1)] public BigInteger Workerpool { get; set; }
    [Parameter("uint256", "workerpoolprice", 2)] public BigInteger WorkerpoolPrice { get; set; }
    [Parameter("uint256", "volume", 3)] public BigInteger Volume { get; set; }
    [Parameter("bytes32", "tag", 4)] public byte[] Tag { get; set; } = new byte[32];
    [Parameter("uint256", "category", 5)] public BigInteger Category { get; set; }
    [Parameter("uint256", "trust", 6)] public BigInteger Trust { get; set; }
    [Parameter("uint256", "apprestrict", 7)] public BigInteger AppRestrict { get; set; }
    [Parameter("uint256", "datasetrestrict", 8)] public BigInteger DatasetRestrict { get; set; }
    [Parameter("address", "requesterrestrict", 9)] public string RequesterRestrict { get; set; } = Addresses.Zero;
    [Parameter("uint256", "expiry", 10)] public BigInteger Expiry { get; set; }
    [Parameter("bytes32", "salt", 11)] public byte[] Salt { get; set; } = new byte[32];

    public OrderKind Kind => OrderKind.Workerpool;
    public string TypeString => Type;

    public Hash32 StructHash() =>
        new StructEncoder(stackalloc byte[12 * 32], TypeHash)
            .Uint(Workerpool).Uint(WorkerpoolPrice).Uint(Volume).Bytes32(Tag).Uint(Category).Uint(Trust)
            .Uint(AppRestrict).Uint(DatasetRestrict).Address(RequesterRestrict).Uint(Expiry).Bytes32(Salt).Hash();
}
