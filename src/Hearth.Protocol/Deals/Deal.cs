using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;

namespace Hearth.Protocol.Deals;

/// <summary>The terms of a deal, as the contract emits them in DealCreated and takes them back to settle or claim.
/// Prices and stakes are in the token's smallest unit (1e-9 HRTH); times are unix seconds.</summary>
[Struct("Deal")]
public sealed class Deal
{
    [Parameter("uint256", "app", 1)] public BigInteger App { get; set; }
    [Parameter("address", "appOwner", 2)] public string AppOwner { get; set; } = Addresses.Zero;
    [Parameter("uint96", "appPrice", 3)] public BigInteger AppPrice { get; set; }
    [Parameter("uint256", "dataset", 4)] public BigInteger Dataset { get; set; }
    [Parameter("address", "datasetOwner", 5)] public string DatasetOwner { get; set; } = Addresses.Zero;
    [Parameter("uint96", "datasetPrice", 6)] public BigInteger DatasetPrice { get; set; }
    [Parameter("uint256", "workerpool", 7)] public BigInteger Workerpool { get; set; }
    [Parameter("address", "poolOwner", 8)] public string PoolOwner { get; set; } = Addresses.Zero;
    [Parameter("address", "scheduler", 9)] public string Scheduler { get; set; } = Addresses.Zero;
    [Parameter("uint96", "poolPrice", 10)] public BigInteger PoolPrice { get; set; }
    [Parameter("address", "requester", 11)] public string Requester { get; set; } = Addresses.Zero;
    [Parameter("address", "beneficiary", 12)] public string Beneficiary { get; set; } = Addresses.Zero;
    [Parameter("address", "callback", 13)] public string Callback { get; set; } = Addresses.Zero;
    [Parameter("uint32", "volume", 14)] public uint Volume { get; set; }
    [Parameter("uint32", "trust", 15)] public uint Trust { get; set; }
    [Parameter("uint32", "category", 16)] public uint Category { get; set; }
    [Parameter("uint64", "start", 17)] public ulong Start { get; set; }
    [Parameter("uint64", "deadline", 18)] public ulong Deadline { get; set; }
    [Parameter("uint96", "poolStake", 19)] public BigInteger PoolStake { get; set; }
    [Parameter("uint96", "workerStake", 20)] public BigInteger WorkerStake { get; set; }
    [Parameter("uint8", "schedulerShare", 21)] public byte SchedulerShare { get; set; }
    [Parameter("bytes32", "tag", 22)] public byte[] Tag { get; set; } = new byte[32];

    /// <summary>The hash of the block before the match, drawn by the chain and covered by the deal's stored commitment.</summary>
    [Parameter("bytes32", "seal", 23)] public byte[] Seal { get; set; } = new byte[32];

    /// <summary>What the requester pays per task.</summary>
    public BigInteger TaskPrice => AppPrice + DatasetPrice + PoolPrice;

    public bool HasDataset => !Dataset.IsZero;

    public DateTimeOffset DeadlineTime => DateTimeOffset.FromUnixTimeSeconds((long)Deadline);
}
