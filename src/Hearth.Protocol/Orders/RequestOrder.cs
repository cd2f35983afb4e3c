using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;

namespace Hearth.Protocol.Orders;

/// <summary>A requester's bid: which app (and dataset, pool) at which maximum prices, how many tasks, which trust.
/// Like the other orders, a request's volume may go into several deals: its first deal's id is the request's hash, a later
/// one's <see cref="Ids.DealId"/> (read it from DealCreated).</summary>
[Struct("RequestOrder")]
public sealed class RequestOrder : IOrder
{
    public const string Type =
        "RequestOrder(uint256 app,uint256 appmaxprice,uint256 dataset,uint256 datasetmaxprice,uint256 workerpool,uint256 workerpoolmaxprice,address requester,uint256 volume,bytes32 tag,uint256 category,uint256 trust,address beneficiary,address callback,string params,uint256 expiry,bytes32 salt)";

    private static readonly Hash32 TypeHash = StructEncoder.TypeHash(Type);

    [Parameter("uint256", "app", 1)] public BigInteger App { get; set; }
    [Parameter("uint256", "appmaxprice", 2)] public BigInteger AppMaxPrice { get; set; }
    [Parameter("uint256", "dataset", 3)] public BigInteger Dataset { get; set; }
    [Parameter("uint256", "datasetmaxprice", 4)] public BigInteger DatasetMaxPrice { get; set; }
    [Parameter("uint256", "workerpool", 5)] public BigInteger Workerpool { get; set; }
    [Parameter("uint256", "workerpoolmaxprice", 6)] public BigInteger WorkerpoolMaxPrice { get; set; }
    [Parameter("address", "requester", 7)] public string Requester { get; set; } = Addresses.Zero;
    [Parameter("uint256", "volume", 8)] public BigInteger Volume { get; set; }
    [Parameter("bytes32", "tag", 9)] public byte[] Tag { get; set; } = new byte[32];
    [Parameter("uint256", "category", 10)] public BigInteger Category { get; set; }
    [Parameter("uint256", "trust", 11)] public BigInteger Trust { get; set; }
    [Parameter("address", "beneficiary", 12)] public string Beneficiary { get; set; } = Addresses.Zero;
    [Parameter("address", "callback", 13)] public string Callback { get; set; } = Addresses.Zero;
    [Parameter("string", "params", 14)] public string Params { get; set; } = "";
    [Parameter("uint256", "expiry", 15)] public BigInteger Expiry { get; set; }
    [Parameter("bytes32", "salt", 16)] public byte[] Salt { get; set; } = new byte[32];

    public OrderKind Kind => OrderKind.Request;
    public string TypeString => Type;

    public Hash32 StructHash() =>
        new StructEncoder(stackalloc byte[17 * 32], TypeHash)
            .Uint(App).Uint(AppMaxPrice).Uint(Dataset).Uint(DatasetMaxPrice).Uint(Workerpool).Uint(WorkerpoolMaxPrice)
            .Address(Requester).Uint(Volume).Bytes32(Tag).Uint(Category).Uint(Trust).Address(Beneficiary)
            .Address(Callback).String(Params).Uint(Expiry).Bytes32(Salt).Hash();
}
