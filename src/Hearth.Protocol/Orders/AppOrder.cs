using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;

namespace Hearth.Protocol.Orders;

/// <summary>An app owner's offer to run its app for a price per task.</summary>
[Struct("AppOrder")]
public sealed class AppOrder : IOrder
{
    public const string Type =
        "AppOrder(uint256 app,uint256 appprice,uint256 volume,bytes32 tag,uint256 datasetrestrict,uint256 workerpoolrestrict,address requesterrestrict,uint256 expiry,bytes32 salt)";

    private static readonly Hash32 TypeHash = StructEncoder.TypeHash(Type);

    [Parameter("uint256", "app", 1)] public BigInteger App { get; set; }
    [Parameter("uint256", "appprice", 2)] public BigInteger AppPrice { get; set; }
    [Parameter("uint256", "volume", 3)] public BigInteger Volume { get; set; }
    [Parameter("bytes32", "tag", 4)] public byte[] Tag { get; set; } = new byte[32];
    [Parameter("uint256", "datasetrestrict", 5)] public BigInteger DatasetRestrict { get; set; }
    [Parameter("uint256", "workerpoolrestrict", 6)] public BigInteger WorkerpoolRestrict { get; set; }
    [Parameter("address", "requesterrestrict", 7)] public string RequesterRestrict { get; set; } = Addresses.Zero;
    [Parameter("uint256", "expiry", 8)] public BigInteger Expiry { get; set; }
    [Parameter("bytes32", "salt", 9)] public byte[] Salt { get; set; } = new byte[32];

    public OrderKind Kind => OrderKind.App;
    public string TypeString => Type;

    public Hash32 StructHash() =>
        new StructEncoder(stackalloc byte[10 * 32], TypeHash)
            .Uint(App).Uint(AppPrice).Uint(Volume).Bytes32(Tag).Uint(DatasetRestrict).Uint(WorkerpoolRestrict)
            .Address(RequesterRestrict).Uint(Expiry).Bytes32(Salt).Hash();
}
