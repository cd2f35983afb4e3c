namespace Hearth.Protocol.WorkerApi;

// The HTTP API between a pool's scheduler and its workers (JSON, camelCase). Every route but the first two
// needs "Authorization: Bearer <token>" from a login. Hex values are 0x-prefixed.

/// <summary>POST /api/workers/challenge</summary>
public sealed record ChallengeRequest(string Worker);

public sealed record ChallengeResponse(string Challenge, DateTimeOffset ExpiresAt);

/// <summary>POST /api/workers/login: the worker signs <see cref="WorkerLogin.Message"/> with its wallet key
/// (EIP-191 personal_sign). A challenge is single-use and short-lived.</summary>
public sealed record LoginRequest(string Worker, string Workerpool, string Challenge, string Signature);

public sealed record LoginResponse(string Token, DateTimeOffset ExpiresAt, string Scheduler);

/// <summary>What a worker can take and what its building wants (heat fields are null without a boiler).</summary>
public sealed record WorkerTelemetry(
    double? TankCelsius,
    double? HeatDemandWatts,
    double? MaxAcceptedPowerWatts,
    double? MaximumCelsius,
    double? Utilisation,
    double? PowerWatts,
    DateTimeOffset Timestamp);

/// <summary>POST /api/workers/heartbeat</summary>
public sealed record HeartbeatRequest(int Slots, int FreeSlots, IReadOnlyList<string> HeldReplicates, WorkerTelemetry? Telemetry);

public sealed record HeartbeatResponse(int NextHeartbeatSeconds, IReadOnlyList<string> CancelledReplicates);

/// <summary>A content asset the worker must fetch and check: <c>Checksum</c> is the sha256 registered on chain.</summary>
public sealed record AssetRef(string Id, string Checksum, string Location);

/// <summary>What a task runs with, the same for every replica: wall time from its category, memory, output and scratch
/// from what its deal asked (<see cref="Orders.ResourceTag.LimitsOf"/>). Null output or scratch takes the worker's default.</summary>
public sealed record TaskLimits(int WallTimeSeconds, long MemoryBytes, long? Fuel, long? OutputBytes = null, long? ScratchBytes = null);

/// <summary>POST /api/workers/assignments/next?waitSeconds=N: 200 with an assignment, 204 when none came in time.
/// <c>Authorization</c> is the scheduler's EIP-191 signature over <see cref="WorkerLogin.AuthorizationMessage"/>,
/// so a worker can check the assignment comes from its pool's scheduler. <c>Inputs</c> are this task's own files from the
/// deal's input list (<see cref="Deals.TaskInputList"/>), shown under /in; null or empty when the deal has none.</summary>
public sealed record Assignment(
    string ReplicateId,
    string DealId,
    long TaskIndex,
    string TaskId,
    AssetRef App,
    AssetRef? Dataset,
    IReadOnlyList<string> Arguments,
    IReadOnlyDictionary<string, string> Environment,
    TaskLimits Limits,
    DateTimeOffset Deadline,
    string ResultStorageUrl,
    string Authorization,
    IReadOnlyList<Deals.InputFile>? Inputs = null);

/// <summary>POST /api/workers/replicates/{id}/progress</summary>
public sealed record ProgressReport(string Stage, string? Detail);

/// <summary>POST /api/workers/replicates/{id}/contribution: the digest is the sha256 of the result archive, already
/// uploaded to the result storage; the signature is the EIP-712 Contribution signature (65 bytes, hex). ChainStart and
/// ChainSignature place the result in the worker's result chain of the deal (<c>Hearth.Protocol.Deals.ResultChain</c>):
/// the head before it, and the ResultChain signature over the head after it. Both or neither. LogsDigest and LogsSignature
/// (both or neither; successful runs only) name the run's logs blob in the result storage (<c>Hearth.Protocol.Deals.RunLogs</c>,
/// 0x + sha256) and sign it (<c>RunLogsSigning</c>: RunLogs(task, result, logs)).</summary>
public sealed record ContributionReport(string Digest, string Signature, int ExitCode, long? FuelConsumed, double RunSeconds, string? StdoutTail,
    string? ChainStart = null, string? ChainSignature = null, string? LogsDigest = null, string? LogsSignature = null);

/// <summary>POST /api/workers/replicates/{id}/failure: the worker gives the replicate back, with why.</summary>
public sealed record FailureReport(string Kind, string Reason);

/// <summary>The body of every error answer (RFC 7807 problem details carry it as "detail").</summary>
public sealed record ApiError(string Error);

/// <summary>
/// POST /api/workers/exchange?waitSeconds=N: reports finished replicates and asks for work in one request, as many of
/// each as <see cref="ExchangeLimits"/> allows. Each report is judged on its own (an outcome per report, in order);
/// then up to <c>Want</c> assignments are delivered. The scheduler waits up to N seconds for work only when the request
/// carries no report.
/// </summary>
public sealed record ExchangeRequest(IReadOnlyList<ReplicateContribution>? Contributions, IReadOnlyList<ReplicateFailure>? Failures, int Want);

public sealed record ReplicateContribution(string ReplicateId, ContributionReport Report);

public sealed record ReplicateFailure(string ReplicateId, FailureReport Report);

/// <summary>Outcomes of the contributions, then of the failures, in request order; the assignments delivered.</summary>
public sealed record ExchangeResponse(IReadOnlyList<ReportOutcome> Outcomes, IReadOnlyList<Assignment> Assignments);

/// <summary>
/// What became of one report: <c>Status</c> 200 when recorded, otherwise the 4xx status the report alone would have
/// got (400 malformed, 403 another worker's, 404 unknown, 409 no longer expected), with why.
/// </summary>
public sealed record ReportOutcome(string ReplicateId, int Status, string? Error)
{
    public bool Recorded => Status == 200;
}

/// <summary>The most reports and assignments one exchange carries.</summary>
public static class ExchangeLimits
{
    public const int MaxReports = 64;
    public const int MaxAssignments = 64;
}
