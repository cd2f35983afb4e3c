using Hearth.Scheduler.State;

namespace Hearth.Scheduler.Persistence;

/// <summary>One run of a task on one worker. Created with its worker, so it can never belong to two.</summary>
public sealed class ReplicateEntity
{
    public string ReplicateId { get; set; } = "";
    public string TaskId { get; set; } = "";
    public string DealId { get; set; } = "";
    public long TaskIndex { get; set; }

    /// <summary>The worker's address, lowercase.</summary>
    public string Worker { get; set; } = "";
    public ReplicateStatus Status { get; set; }
    public string Reason { get; set; } = "";

    /// <summary>Whether the worker has received the assignment (assignments/next).</summary>
    public bool Delivered { get; set; }
    public long AssignedAtMs { get; set; }
    public long UpdatedAtMs { get; set; }
    public string? Digest { get; set; }

    /// <summary>The worker's 65-byte EIP-712 signature, hex.</summary>
    public string? Signature { get; set; }

    /// <summary>The head of the worker's result chain before this result, hex (null: the worker sent no chain link).</summary>
    public string? ChainStart { get; set; }

    /// <summary>The worker's 65-byte ResultChain signature over the head after this result, hex.</summary>
    public string? ChainSignature { get; set; }
    public long? ContributedAtMs { get; set; }

    /// <summary>The sha256 of the run's logs blob beside the result (RunLogs), hex; null when the worker sent none. Secret until settled.</summary>
    public string? LogsDigest { get; set; }

    /// <summary>The worker's 65-byte RunLogs(task, result, logs) signature, hex.</summary>
    public string? LogsSignature { get; set; }

    /// <summary>The kind of the worker's failure report (docs/worker.md), when it gave the replicate back with one.</summary>
    public string? FailureKind { get; set; }
    public int? ExitCode { get; set; }
    public double? RunSeconds { get; set; }
    /// <summary>Taken back because its lease ran out (no progress for the lease): its worker never gets the task again.</summary>
    public bool LeaseExpired { get; set; }
    public int Version { get; set; }
}
