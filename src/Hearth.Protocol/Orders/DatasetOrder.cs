using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;

namespace Hearth.Protocol.Orders;

/// <summary>A dataset owner's offer to let its dataset be used for a price per task.</summary>
[Struct("DatasetOrder")]
public sealed class DatasetOrder : IOrder
{
    public const string Type =
        "DatasetOrder(uint256 dataset,uint256 datasetprice,uint256 volume,bytes32 tag,uint256 apprestrict,uint256 workerpoolrestrict,address requesterrestrict,uint256 expiry,bytes32 salt)";

    private static readonly Hash32 TypeHash = StructEncoder.TypeHash(Type);

    /// <summary>The order that stands for "no dataset" in a match.</summary>
    public static DatasetOrder None => new();

    [Parameter("uint256", "dataset", 1)] public BigInteger Dataset { get; set; }
    [Parameter("uint256", "datasetprice", 2)] public BigInteger DatasetPrice { get; set; }
    [Parameter("uint256", "volume", 3)] public BigInteger Volume { get; set; }
    [Parameter("bytes32", "tag", 4)] public byte[] Tag { get; set; } = new byte[32];
    [Parameter("uint256", "apprestrict", 5)] public BigInteger AppRestrict { get; set; }
    [Parameter("uint256", "workerpoolrestrict", 6)] public BigInteger WorkerpoolRestrict { get; set; }
    [Parameter("address", "requesterrestrict", 7)] public string RequesterRestrict { get; set; } = Addresses.Zero;
    [Parameter("uint256", "expiry", 8)] public BigInteger Expiry { get; set; }
    [Parameter("bytes32", "salt", 9)] public byte[] Salt { get; set; } = new byte[32];

    public OrderKind Kind => OrderKind.Dataset;
    public string TypeString => Type;

    public Hash32 StructHash() =>
        new StructEncoder(stackalloc byte[10 * 32], TypeHash)
            .Uint(Dataset).Uint(DatasetPrice).Uint(Volume).Bytes32(Tag).Uint(AppRestrict).Uint(WorkerpoolRestrict)
            .Address(RequesterRestrict).Uint(Expiry).Bytes32(Salt).Hash();
}
