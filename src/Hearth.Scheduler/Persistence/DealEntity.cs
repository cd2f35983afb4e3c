using System.Globalization;
using System.Numerics;
using Hearth.Protocol.Deals;
using Hearth.Scheduler.State;

namespace Hearth.Scheduler.Persistence;

/// <summary>A deal of this pool: the full terms (calldata of settle), where it was created, and its assets.
/// Amounts are decimal strings so that uint96/uint256 fit every database.</summary>
public sealed class DealEntity
{
    public string DealId { get; set; } = "";
    public DealStatus Status { get; set; }
    public string Reason { get; set; } = "";
    public long CreatedBlock { get; set; }
    public string CreatedBlockHash { get; set; } = "";
    public string CreatedTransaction { get; set; } = "";
    public long IngestedAtMs { get; set; }
    public string Params { get; set; } = "";
    public long CategorySeconds { get; set; }
    public string AppChecksum { get; set; } = "";
    public string AppLocation { get; set; } = "";
    public string? DatasetChecksum { get; set; }
    public string? DatasetLocation { get; set; }

    /// <summary>Whether its tasks have their own input files (<see cref="TaskEntity.Inputs"/>), from the params' input list.</summary>
    public bool HasInputs { get; set; }

    public string App { get; set; } = "0";
    public string AppOwner { get; set; } = "";
    public string AppPrice { get; set; } = "0";
    public string Dataset { get; set; } = "0";
    public string DatasetOwner { get; set; } = "";
    public string DatasetPrice { get; set; } = "0";
    public string Workerpool { get; set; } = "0";
    public string PoolOwner { get; set; } = "";
    public string Scheduler { get; set; } = "";
    public string PoolPrice { get; set; } = "0";
    public string Requester { get; set; } = "";
    public string Beneficiary { get; set; } = "";
    public string Callback { get; set; } = "";
    public long Volume { get; set; }
    public long Trust { get; set; }
    public long Category { get; set; }
    public long Start { get; set; }
    public long Deadline { get; set; }
    public string PoolStake { get; set; } = "0";
    public string WorkerStake { get; set; } = "0";
    public int SchedulerShare { get; set; }
    public string Tag { get; set; } = "";
    public string Seal { get; set; } = "";

    public void SetTerms(Deal d)
    {
        App = Text(d.App);
        AppOwner = d.AppOwner;
        AppPrice = Text(d.AppPrice);
        Dataset = Text(d.Dataset);
        DatasetOwner = d.DatasetOwner;
        DatasetPrice = Text(d.DatasetPrice);
        Workerpool = Text(d.Workerpool);
        PoolOwner = d.PoolOwner;
        Scheduler = d.Scheduler;
        PoolPrice = Text(d.PoolPrice);
        Requester = d.Requester;
        Beneficiary = d.Beneficiary;
        Callback = d.Callback;
        Volume = d.Volume;
        Trust = d.Trust;
        Category = d.Category;
        Start = (long)d.Start;
        Deadline = (long)d.Deadline;
        PoolStake = Text(d.PoolStake);
        WorkerStake = Text(d.WorkerStake);
        SchedulerShare = d.SchedulerShare;
        Tag = "0x" + Convert.ToHexStringLower(d.Tag);
        Seal = "0x" + Convert.ToHexStringLower(d.Seal);
    }

    /// <summary>The terms exactly as emitted, to pass back to the contract (which checks them against its commitment).</summary>
    public Deal ToDeal() => new()
    {
        App = Number(App),
        AppOwner = AppOwner,
        AppPrice = Number(AppPrice),
        Dataset = Number(Dataset),
        DatasetOwner = DatasetOwner,
        DatasetPrice = Number(DatasetPrice),
        Workerpool = Number(Workerpool),
        PoolOwner = PoolOwner,
        Scheduler = Scheduler,
        PoolPrice = Number(PoolPrice),
        Requester = Requester,
        Beneficiary = Beneficiary,
        Callback = Callback,
        Volume = (uint)Volume,
        Trust = (uint)Trust,
        Category = (uint)Category,
        Start = (ulong)Start,
        Deadline = (ulong)Deadline,
        PoolStake = Number(PoolStake),
        WorkerStake = Number(WorkerStake),
        SchedulerShare = (byte)SchedulerShare,
        Tag = Convert.FromHexString(Tag.AsSpan(2)),
        Seal = Convert.FromHexString(Seal.AsSpan(2)),
    };

    public BigInteger WorkerStakeAmount => Number(WorkerStake);

    public DateTimeOffset DeadlineTime => DateTimeOffset.FromUnixTimeSeconds(Deadline);

    private static string Text(BigInteger value) => value.ToString(CultureInfo.InvariantCulture);

    private static BigInteger Number(string value) => BigInteger.Parse(value, CultureInfo.InvariantCulture);
}
