using Hearth.Scheduler.State;
using TaskStatus = Hearth.Scheduler.State.TaskStatus;

namespace Hearth.Scheduler.Persistence;

/// <summary>One task of a deal. Its status changes only through <see cref="TaskStateMachine"/>.</summary>
public sealed class TaskEntity
{
    /// <summary>keccak256(dealId ‖ index), 0x-prefixed lowercase hex.</summary>
    public string TaskId { get; set; } = "";
    public string DealId { get; set; } = "";
    public long Index { get; set; }

    /// <summary>The task's own entry of the deal's input list: its files, arguments and environment (JSON,
    /// Protocol.Deals.TaskInputList.TaskToJson), checked when the deal was ingested; null when the deal has no input list.</summary>
    public string? Inputs { get; set; }
    public TaskStatus Status { get; set; }
    public string Reason { get; set; } = "";
    public string? ConsensusDigest { get; set; }
    public long? ConsensusAtMs { get; set; }
    public string? SettlementTx { get; set; }
    /// <summary>The block (number and hash) of the settlement transaction, when known: should that block leave the chain
    /// (a reorganisation), the task is reopened and the chain asked again.</summary>
    public long? SettledBlock { get; set; }
    public string? SettledBlockHash { get; set; }
    public int SettleAttempts { get; set; }

    /// <summary>When its last settlement was sent (unix ms): a task Settling for longer than
    /// <see cref="SchedulerOptions.SettlementResendAfterSeconds"/> whose settlement is not mined is sent again.</summary>
    public long? SettleSentAtMs { get; set; }
    public long UpdatedAtMs { get; set; }

    /// <summary>Optimistic concurrency token: a save that raced another one fails instead of overwriting it.</summary>
    public int Version { get; set; }
}
