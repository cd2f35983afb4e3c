using System.Numerics;
using Hearth.Chain.Market;

namespace Hearth.Scheduler;

public enum DatabaseProvider
{
    Sqlite,
    PostgreSql,
}

/// <summary>Settings of one pool's scheduler (configuration section "Scheduler"). Checked at start-up by
/// <see cref="SchedulerOptionsValidator"/>.</summary>
public sealed class SchedulerOptions
{
    public const string SectionName = "Scheduler";

    /// <summary>The chain's JSON-RPC endpoint.</summary>
    public string RpcUrl { get; set; } = "";

    public long ChainId { get; set; }

    /// <summary>The market's contracts; the watcher starts reading at <see cref="HearthDeployment.Block"/>.</summary>
    public HearthDeployment? Deployment { get; set; }

    /// <summary>The registry id of the workerpool this scheduler manages, in decimal.</summary>
    public string WorkerpoolId { get; set; } = "";

    /// <summary>The scheduler's wallet key (0x and 64 hex digits): it signs assignments and pays settlement gas.
    /// The pool must name its address as scheduler, or its deals cannot be settled.</summary>
    public string SchedulerPrivateKey { get; set; } = "";

    public DatabaseProvider Database { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>SQLite database file (created if missing), used when <see cref="ConnectionString"/> is empty.</summary>
    public string? SqlitePath { get; set; }

    /// <summary>A full connection string; required for PostgreSQL.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>How many blocks deep a deal must be before it is taken (0 on a development chain).</summary>
    public int Confirmations { get; set; }

    /// <summary>Interval of the chain watcher, the dispatcher and the settlement loop, milliseconds.</summary>
    public int PollIntervalMs { get; set; } = 100;

    /// <summary>The largest block range asked in one eth_getLogs.</summary>
    public int MaxLogRange { get; set; } = 2_000;

    /// <summary>A worker silent for longer loses its replicates to other workers, seconds.</summary>
    public int HeartbeatTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// Replicates placed on a worker beyond its free slots, per slot, waiting for it to ask: a slot that ends a task finds
    /// its next one already there instead of waiting for a placement round. Worth it for short tasks; 0 places only on free slots.
    /// </summary>
    public int AssignmentsAheadPerSlot { get; set; }

    /// <summary>Most tasks settled in one transaction.</summary>
    public int SettlementBatchSize { get; set; } = 50;

    /// <summary>Longest a task with consensus waits for its batch to fill, milliseconds.</summary>
    public int SettlementMaxDelayMs { get; set; } = 2_000;

    /// <summary>Settlement attempts of one task before it is failed with the chain's reason.</summary>
    public int SettlementAttempts { get; set; } = 3;

    /// <summary>How long a sent settlement's receipt is awaited, seconds. A settlement not mined by then is checked on
    /// chain (isTaskDone) and, when its tasks are not done, sent again.</summary>
    public int SettlementResendAfterSeconds { get; set; } = 120;

    /// <summary>How often tasks left Settling (a settlement whose outcome was not seen) are checked against the chain, milliseconds.</summary>
    public int SettlementCheckIntervalMs { get; set; } = 5_000;

    /// <summary>How many blocks deep a settlement is watched after it was mined: on each check, a settled task whose
    /// settlement's block is no longer on the chain (a reorganisation) is reopened and its settlement sent again if needed.
    /// Beyond this depth a settlement is taken as final (64: two epochs of Ethereum's proof of stake).</summary>
    public int SettlementReorgWindowBlocks { get; set; } = 64;

    /// <summary>Replicates a task may be given in all, failed, abandoned and cancelled ones included; a task that needs
    /// more once this many were given fails. Bounds a task whose replicates keep being lost.</summary>
    public int MaxReplicatesPerTask { get; set; } = 48;

    /// <summary>After a worker's replicate of a task was lost to the infrastructure (a download, an upload, the worker
    /// itself, a restart, silence), how long before that worker may be given the task again, milliseconds.</summary>
    public int ReplicateRetryDelayMs { get; set; } = 5_000;

    /// <summary>"least-loaded" or "heat-aware".</summary>
    public string PlacementPolicy { get; set; } = "least-loaded";

    /// <summary>Electric power one task adds to a worker, watts (what heat-aware placement weighs against heat demand).</summary>
    public double TaskPowerWatts { get; set; } = 150;

    /// <summary>The storage service workers upload results to; results are then at {ResultStorageUrl}/blobs/{digest}.</summary>
    public string ResultStorageUrl { get; set; } = "";

    /// <summary>Whether a contribution is accepted only once its result archive is in the result storage (one lookup per
    /// exchange). On by default: a digest never uploaded is refused (409); a storage that cannot be reached answers 503.</summary>
    public bool CheckResultBlobs { get; set; } = true;

    /// <summary>Where a deal's input list (params "inputs", Protocol.Deals.TaskInputList) may be fetched from, besides
    /// <see cref="ResultStorageUrl"/> (always allowed): base URLs; a list elsewhere refuses the deal. The scheduler never
    /// fetches from an address a requester chose freely.</summary>
    public string[] InputListSources { get; set; } = [];

    /// <summary>Largest input list the scheduler reads, bytes (about 200 bytes per file). Default 32 MiB.</summary>
    public long MaxInputListBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>Longest time the fetch of one input list may take, seconds; past it the deal is refused. Default 30.</summary>
    public int InputListTimeoutSeconds { get; set; } = 30;

    /// <summary>The most memory this pool gives a task, bytes; its pool orders should offer no more
    /// (<see cref="Hearth.Protocol.Orders.ResourceTag"/>). A task runs with what its deal asked for, at least 256 MiB.</summary>
    public long TaskMemoryBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>The largest output (the files in /out, and stdout and stderr each) this pool gives a task, bytes.</summary>
    public long TaskOutputBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>The largest scratch space (/tmp) this pool gives a task, bytes.</summary>
    public long TaskScratchBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>What this pool offers a task, as its pool orders' tags state it.</summary>
    public Hearth.Protocol.Orders.ResourceNeeds Offer => new(TaskMemoryBytes, TaskOutputBytes, TaskScratchBytes);

    /// <summary>Deals with more tasks are refused (recorded, never scheduled) to bound the database.</summary>
    public int MaxVolume { get; set; } = 100_000;

    public int ChallengeLifetimeSeconds { get; set; } = 60;

    public int TokenLifetimeMinutes { get; set; } = 720;

    /// <summary>Sustained rate of the anonymous worker routes (challenge and login) per client IP address (IPv6: per /64),
    /// requests per second; beyond it and <see cref="AnonymousBurstRequests"/> the answer is 429 with Retry-After.</summary>
    public int AnonymousRequestsPerSecond { get; set; } = 10;

    /// <summary>Requests of the anonymous worker routes one client may send at once before the rate applies (a login is two).</summary>
    public int AnonymousBurstRequests { get; set; } = 200;

    /// <summary>Used login challenges remembered until they expire, so each is accepted once; when this many unexpired
    /// ones are held, logins are refused (429) until some expire.</summary>
    public int MaxRememberedChallenges { get; set; } = 100_000;

    /// <summary>Exchanges waiting for work at once (one per worker); beyond it a waiting exchange is answered 429.</summary>
    public int MaxConcurrentLongPolls { get; set; } = 10_000;

    /// <summary>How long a worker's chain score and stake are trusted before being read again, seconds.</summary>
    public int ScoreCacheSeconds { get; set; } = 30;

    /// <summary>Worker admission: when not empty, only these addresses may log in as workers (and they must still meet
    /// <see cref="MinWorkerStake"/>). Empty: any key meeting the stake minimum.</summary>
    public string[] AllowedWorkers { get; set; } = [];

    /// <summary>Worker admission: the least stake (staked plus unbonding, the market's accountOf), in the token's smallest
    /// unit as a decimal integer, a key needs to log in and stay a worker. Empty (the default): the market's
    /// minWorkerStake, below which a key can back no contribution at all; "0": no minimum.</summary>
    public string? MinWorkerStake { get; set; }

    /// <summary>How long a worker's stake read for admission is trusted, seconds: read at login when older, and re-read
    /// for logged-in workers on this period (a worker whose stake fell below the minimum loses its row and replicates).</summary>
    public int AdmissionStakeCacheSeconds { get; set; } = 300;

    /// <summary>Most slots a worker may claim in a heartbeat; a heartbeat claiming more is refused (400).</summary>
    public int MaxSlotsPerWorker { get; set; } = 64;

    /// <summary>Most live (heart-beating) workers in the pool; beyond it logins, and heartbeats of workers gone silent,
    /// are answered 429 with Retry-After.</summary>
    public int MaxLiveWorkers { get; set; } = 10_000;

    /// <summary>A replicate's lease, as a multiple of its deal's category time: a replicate whose status has not moved
    /// (a stage, a contribution, a failure) for that long is taken back and its task placed elsewhere; heartbeats do not
    /// renew it. The worker is not given that task again.</summary>
    public double ReplicateLeaseCategoryMultiple { get; set; } = 3;

    /// <summary>The shortest replicate lease, seconds, whatever the category (downloads and uploads take time too).</summary>
    public int ReplicateLeaseMinSeconds { get; set; } = 60;

    /// <summary>A worker silent this long loses its row (it logs in again to come back), hours.</summary>
    public int PruneWorkersAfterHours { get; set; } = 24;

    /// <summary>Largest accepted request body of the worker API, bytes. Default 512 KiB: an exchange of the most reports
    /// (<see cref="Protocol.WorkerApi.ExchangeLimits"/>), each with its kilobyte of standard output.</summary>
    public int MaxRequestBodyBytes { get; set; } = 512 * 1024;

    /// <summary>Port of <see cref="Hosting.SchedulerServer"/> on 127.0.0.1; 0 picks a free one.</summary>
    public int ListenPort { get; set; }

    internal BigInteger Workerpool => BigInteger.Parse(WorkerpoolId, System.Globalization.CultureInfo.InvariantCulture);

    internal TimeSpan PollInterval => TimeSpan.FromMilliseconds(PollIntervalMs);

    internal TimeSpan HeartbeatTimeout => TimeSpan.FromSeconds(HeartbeatTimeoutSeconds);

    /// <summary>Where results of this pool are, as recorded on chain: a blob's URL is this plus its digest in hex.</summary>
    internal string ResultLocation => ResultStorageUrl.TrimEnd('/') + "/blobs/";
}
