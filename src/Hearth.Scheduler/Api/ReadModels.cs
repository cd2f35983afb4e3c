namespace Hearth.Scheduler.Api;

/// <summary>One recorded status change.</summary>
public sealed record StatusChangeView(string? From, string To, string Reason, DateTimeOffset At);

/// <summary>A replicate of a task; <paramref name="Digest"/> is null until the task is Settled (results stay secret until then), and so
/// are <paramref name="LogsDigest"/> and <paramref name="LogsSignature"/>: the sha256 of the run's logs blob in the result storage
/// (<c>RunLogs</c>) and the worker's RunLogs(task, result, logs) signature, null too when the worker sent no logs.</summary>
public sealed record ReplicateView(string ReplicateId, string Worker, string Status, string Reason, string? Digest, DateTimeOffset AssignedAt, IReadOnlyList<StatusChangeView> History,
    string? LogsDigest = null, string? LogsSignature = null);

/// <summary>
/// GET /api/tasks/{taskId}: where a task is, why, and how it got there. <paramref name="ConsensusDigest"/> and the
/// replicates' digests are null until the task is Settled on chain: before, anyone (a worker too) could copy them.
/// </summary>
public sealed record TaskView(
    string TaskId, string DealId, long Index, string Status, string Reason, string? ConsensusDigest, string? SettlementTx,
    IReadOnlyList<StatusChangeView> History, IReadOnlyList<ReplicateView> Replicates);

public sealed record TaskSummary(string TaskId, long Index, string Status, string Reason, string? SettlementTx);

/// <summary>GET /api/deals/{dealId}</summary>
public sealed record DealView(
    string DealId, string Status, string Reason, long CreatedBlock, string CreatedTransaction, long Volume, long Trust,
    DateTimeOffset Deadline, string App, string? Dataset, string Requester, string Params,
    IReadOnlyDictionary<string, int> TasksByStatus, IReadOnlyList<TaskSummary> Tasks, IReadOnlyList<StatusChangeView> History);

/// <summary>GET /api/workers</summary>
public sealed record WorkerView(string Address, bool Alive, int Slots, int FreeSlots, int ActiveReplicates, DateTimeOffset LastHeartbeat,
    Protocol.WorkerApi.WorkerTelemetry? Telemetry = null);
