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

public sealed record TaskLimits(int WallTimeSeconds, long MemoryBytes, long? Fuel);

/// <summary>POST /api/workers/assignments/next?waitSeconds=N: 200 with an assignment, 204 when none came in time.
/// <c>Authorization</c> is the scheduler's EIP-191 signature over <see cref="WorkerLogin.AuthorizationMessage"/>,
/// so a worker can check the assignment comes from its pool's scheduler.</summary>
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
    string Authorization);

/// <summary>POST /api/workers/replicates/{id}/progress</summary>
public sealed record ProgressReport(string Stage, string? Detail);

/// <summary>POST /api/workers/replicates/{id}/contribution: the digest is the sha256 of the result archive, already
/// uploaded to the result storage; the signature is the EIP-712 Contribution signature (65 bytes, hex).</summary>
public sealed record ContributionReport(string Digest, string Signature, int ExitCode, long? FuelConsumed, double RunSeconds, string? StdoutTail);

/// <summary>POST /api/workers/replicates/{id}/failure: the worker gives the replicate back, with why.</summary>
public sealed record FailureReport(string Kind, string Reason);

/// <summary>The body of every error answer (RFC 7807 problem details carry it as "detail").</summary>
public sealed record ApiError(string Error);
