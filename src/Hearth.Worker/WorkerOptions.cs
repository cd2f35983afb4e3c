namespace Hearth.Worker;

/// <summary>Settings of the worker role (configuration section <c>Worker</c>).</summary>
public sealed class WorkerOptions
{
    public const string SectionName = "Worker";

    /// <summary>Base URL of the pool's scheduler API, e.g. <c>http://scheduler:5080/</c>.</summary>
    public string SchedulerUrl { get; set; } = "";

    /// <summary>The workerpool this worker serves (its registry id); bound into the login signature.</summary>
    public string Workerpool { get; set; } = "";

    /// <summary>The worker's wallet key, 0x and 64 hex digits. It only signs: the worker never sends a transaction.</summary>
    public string PrivateKey { get; set; } = "";

    /// <summary>
    /// Storage used for app modules and datasets whose location names no storage service, and for results when an
    /// assignment names no result storage.
    /// </summary>
    public string StorageUrl { get; set; } = "";

    /// <summary>Absolute folder for downloaded modules and datasets and for compiled modules; survives restarts.</summary>
    public string CacheFolder { get; set; } = "";

    /// <summary>Absolute folder for runs in progress and the state file that lets a restart resume them.</summary>
    public string WorkFolder { get; set; } = "";

    /// <summary>Tasks run in parallel. Default: one per processor core.</summary>
    public int Slots { get; set; } = Environment.ProcessorCount;

    /// <summary>Time between heartbeats when the scheduler asks for none in particular. Default 10 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Where heat telemetry comes from: <c>simulated</c> (a simulated boiler) or <c>none</c>.</summary>
    public string TelemetrySource { get; set; } = TelemetrySources.Simulated;

    /// <summary>
    /// Hour (UTC, 0 to 24) at which the simulated boiler's day starts: its building draws hot water as at that hour,
    /// whatever the real hour. Null: the real hour. A development network sets it so that it behaves alike day and night.
    /// </summary>
    public double? SimulatedDayStartHour { get; set; }

    /// <summary>Chain id of the market deployment: half of the EIP-712 domain of contribution signatures.</summary>
    public long ChainId { get; set; }

    /// <summary>Address of the market contract: the other half of the EIP-712 domain.</summary>
    public string MarketAddress { get; set; } = "";

    /// <summary>The scheduler's wallet address; an assignment whose authorisation another key signed is refused.</summary>
    public string SchedulerAddress { get; set; } = "";

    /// <summary>How long one request for work waits at the scheduler for an assignment, in seconds. Default 30.</summary>
    public int AssignmentWaitSeconds { get; set; } = 30;

    /// <summary>Longest wait for the scheduler's answer to any other request. Default 30 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First wait before retrying after the scheduler or a storage failed; doubles up to <see cref="RetryMaxDelay"/>. Default 1 s.</summary>
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait between retries. Default 30 s.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts at downloading one asset (module or dataset) before the replicate is given back. Default 3.</summary>
    public int DownloadAttempts { get; set; } = 3;

    /// <summary>Largest app the worker downloads, in bytes: a module, or a bundle's manifest and parts together. Default 256 MiB.</summary>
    public long MaxAppBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Largest dataset the worker downloads, in bytes. Default 4 GiB.</summary>
    public long MaxDatasetBytes { get; set; } = 4L * 1024 * 1024 * 1024;

    /// <summary>A dataset that is a tar (or gzip-compressed tar) is unpacked under /in: most bytes its files may add up to. Default 4 GiB.</summary>
    public long MaxDatasetUnpackedBytes { get; set; } = 4L * 1024 * 1024 * 1024;

    /// <summary>Most entries (files, folders) an unpacked dataset archive may hold. Default 100,000.</summary>
    public int MaxDatasetEntries { get; set; } = 100_000;

    /// <summary>Most bytes the files of one unpacked tree of an app bundle may add up to. Default 1 GiB.</summary>
    public long MaxAppTreeUnpackedBytes { get; set; } = 1L * 1024 * 1024 * 1024;

    /// <summary>Most entries (files, folders) one unpacked tree of an app bundle may hold. Default 100,000.</summary>
    public int MaxAppTreeEntries { get; set; } = 100_000;

    /// <summary>A download that receives no byte for this long is abandoned (and retried). Default 30 s.</summary>
    public TimeSpan DownloadIdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest time one download may take, however steadily its bytes come. Default 10 minutes.</summary>
    public TimeSpan DownloadTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Where modules and datasets may be downloaded from, besides <see cref="StorageUrl"/>'s host and port (always
    /// allowed). Each entry is a host name (<c>storage.example.org</c>, or <c>*.example.org</c> for its subdomains), an IP
    /// address, a network (<c>10.0.0.0/8</c>) or <c>*</c> (any host with public addresses only). Empty: any host whose
    /// addresses are all public. Loopback, link-local, private, unspecified and other non-public addresses are refused
    /// unless an address or network entry names them.
    /// </summary>
    public List<string> AllowedDownloadHosts { get; set; } = [];

    /// <summary>
    /// After a restart, run again the replicates held before it (runs are deterministic, so the result is the same);
    /// false gives them back to the scheduler with a "worker restarted" failure. Default true.
    /// </summary>
    public bool ResumeAfterRestart { get; set; } = true;

    /// <summary>Largest total size of a run's /out, in bytes. Default 256 MiB.</summary>
    public long MaxOutputBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Largest scratch space (/tmp) a run may use, in bytes. Default 256 MiB.</summary>
    public long MaxScratchBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// How long a stage (downloading, running, uploading) must last before the scheduler is told of it; zero reports every
    /// stage at once. Default 1 s: short tasks then cost the scheduler no progress requests.
    /// </summary>
    public TimeSpan ProgressReportDelay { get; set; } = TimeSpan.FromSeconds(1);

    internal void CopyTo(WorkerOptions target)
    {
        target.SchedulerUrl = SchedulerUrl;
        target.Workerpool = Workerpool;
        target.PrivateKey = PrivateKey;
        target.StorageUrl = StorageUrl;
        target.CacheFolder = CacheFolder;
        target.WorkFolder = WorkFolder;
        target.Slots = Slots;
        target.HeartbeatInterval = HeartbeatInterval;
        target.TelemetrySource = TelemetrySource;
        target.SimulatedDayStartHour = SimulatedDayStartHour;
        target.ChainId = ChainId;
        target.MarketAddress = MarketAddress;
        target.SchedulerAddress = SchedulerAddress;
        target.AssignmentWaitSeconds = AssignmentWaitSeconds;
        target.RequestTimeout = RequestTimeout;
        target.RetryInitialDelay = RetryInitialDelay;
        target.RetryMaxDelay = RetryMaxDelay;
        target.DownloadAttempts = DownloadAttempts;
        target.MaxAppBytes = MaxAppBytes;
        target.MaxDatasetBytes = MaxDatasetBytes;
        target.MaxDatasetUnpackedBytes = MaxDatasetUnpackedBytes;
        target.MaxDatasetEntries = MaxDatasetEntries;
        target.MaxAppTreeUnpackedBytes = MaxAppTreeUnpackedBytes;
        target.MaxAppTreeEntries = MaxAppTreeEntries;
        target.DownloadIdleTimeout = DownloadIdleTimeout;
        target.DownloadTimeout = DownloadTimeout;
        target.AllowedDownloadHosts = AllowedDownloadHosts is null ? null! : [.. AllowedDownloadHosts];
        target.ResumeAfterRestart = ResumeAfterRestart;
        target.MaxOutputBytes = MaxOutputBytes;
        target.MaxScratchBytes = MaxScratchBytes;
        target.ProgressReportDelay = ProgressReportDelay;
    }
}

/// <summary>Values of <see cref="WorkerOptions.TelemetrySource"/>.</summary>
public static class TelemetrySources
{
    public const string Simulated = "simulated";
    public const string None = "none";
}
