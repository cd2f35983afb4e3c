namespace Hearth.Sandbox;

/// <summary>Settings of the sandbox, with the default limits of a run.</summary>
public sealed class SandboxOptions
{
    /// <summary>
    /// Folder of compiled modules. Its files are loaded as machine code without
    /// checks, so it must be writable by this service only.
    /// </summary>
    public string ModuleCacheDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "hearth", "module-cache");

    /// <summary>
    /// Bytes the folder of compiled modules may take (every Wasmtime version and engine together); beyond it the least
    /// recently used modules are deleted after each compilation. Compiled code takes about 1.5 to 3 times its module's
    /// size. Default 4 GiB.
    /// </summary>
    public long ModuleCacheMaxBytes { get; set; } = 4L * 1024 * 1024 * 1024;

    /// <summary>
    /// Folder under which each run gets a folder of its own with /out (and /in for a single-file
    /// dataset); emptied after the run and kept for a later one, removed when the runner is disposed.
    /// </summary>
    public string WorkDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "hearth", "sandbox-runs");

    /// <summary>Compiled modules kept in memory (by the runner, and by each sandbox host), most recently used first.</summary>
    public int MemoryCacheEntries { get; set; } = 64;

    /// <summary>Where modules without a fuel budget run; see <see cref="SandboxIsolation"/>.</summary>
    public SandboxIsolation Isolation { get; set; } = SandboxIsolation.ChildProcess;

    /// <summary>
    /// Sandbox hosts kept running, waiting or serving, with <see cref="SandboxIsolation.ChildProcess"/>.
    /// More runs at once (see <see cref="ConcurrentRuns"/>) start more hosts, which end once they waited 30 s
    /// without a run. The default covers a worker's default slots (one per processor) and one ready for the next run.
    /// </summary>
    public int HostPoolSize { get; set; } = Environment.ProcessorCount + 1;

    /// <summary>
    /// Runs at once in sandbox hosts; a run beyond waits for one to finish (its time limit starts when its module
    /// starts, not while it waits). More would only share the same processors among more processes, each with a
    /// runtime of its own. Null: <see cref="HostPoolSize"/>.
    /// </summary>
    public int? ConcurrentRuns { get; set; }

    /// <summary>Open files a sandbox host may hold (RLIMIT_NOFILE, soft and hard, set when it starts). Default 1024.</summary>
    public int HostOpenFilesLimit { get; set; } = 1024;

    /// <summary>
    /// RLIMIT_NPROC of a sandbox host when set. Linux counts it over every process and thread of the host's user, so set it
    /// only when hosts run as a user of their own; unset by default.
    /// </summary>
    public int? HostProcessLimit { get; set; }

    /// <summary>
    /// RLIMIT_AS of a sandbox host when set, bytes. Unset by default: the .NET runtime and Wasmtime reserve address space
    /// far beyond what they use (guard regions of each linear memory), and a run's memory is already bounded by its limit.
    /// </summary>
    public long? HostAddressSpaceBytes { get; set; }

    public long DefaultMemoryLimitBytes { get; set; } = 512L * 1024 * 1024;

    public int DefaultWallTimeLimitMilliseconds { get; set; } = 10 * 60 * 1000;

    public long DefaultOutputLimitBytes { get; set; } = 256L * 1024 * 1024;

    public int DefaultOutputEntryLimit { get; set; } = 10_000;

    /// <summary>Largest total size of the files in a run's /tmp (its scratch space, never archived). Default 256 MiB.</summary>
    public long DefaultScratchLimitBytes { get; set; } = SandboxLimits.DefaultScratchBytes;

    /// <summary>Number of files, folders and links a run's /tmp may hold. Default 10,000.</summary>
    public int DefaultScratchEntryLimit { get; set; } = SandboxLimits.DefaultScratchEntries;

    /// <summary>Bytes of stdout, and of stderr, a run keeps (the rest is counted, and the capture marked truncated). Default 1 MiB.</summary>
    public int DefaultConsoleCaptureBytes { get; set; } = 1 << 20;

    /// <summary>Fuel budget of a run that names none; null runs unmetered.</summary>
    public ulong? DefaultFuel { get; set; }

    /// <summary>
    /// How often a running module is checked for its time limit, cancellation and
    /// output and scratch sizes. A module writing at disk speed can overshoot the output
    /// or scratch limit by what it writes in one interval.
    /// </summary>
    public int CheckIntervalMilliseconds { get; set; } = 20;

    /// <summary>The limits of a request that sets none.</summary>
    public SandboxLimits DefaultLimits() => new()
    {
        MemoryBytes = DefaultMemoryLimitBytes,
        WallTime = TimeSpan.FromMilliseconds(DefaultWallTimeLimitMilliseconds),
        OutputBytes = DefaultOutputLimitBytes,
        OutputEntries = DefaultOutputEntryLimit,
        ScratchBytes = DefaultScratchLimitBytes,
        ScratchEntries = DefaultScratchEntryLimit,
        ConsoleCaptureBytes = DefaultConsoleCaptureBytes,
        Fuel = DefaultFuel,
    };
}
