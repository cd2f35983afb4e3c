namespace Hearth.Sandbox;

/// <summary>What a run produced. Only <see cref="WallTime"/>, <see cref="ModuleSource"/> and <see cref="ModuleLoadTime"/> may differ between replicas.</summary>
public sealed record SandboxResult
{
    public required SandboxFailureKind Failure { get; init; }

    /// <summary>Human-readable cause of the failure, null on success.</summary>
    public string? FailureReason { get; init; }

    public bool Succeeded => Failure == SandboxFailureKind.None;

    /// <summary>The module's exit code; null when it never exited (trap, limit, invalid module).</summary>
    public int? ExitCode { get; init; }

    /// <summary>The first <see cref="SandboxLimits.ConsoleCaptureBytes"/> bytes written to stdout.</summary>
    public required byte[] Stdout { get; init; }

    public required bool StdoutTruncated { get; init; }

    public required byte[] Stderr { get; init; }

    public required bool StderrTruncated { get; init; }

    /// <summary>
    /// Plain tar of /out: entries sorted by path, mtime 0, uid/gid 0, no owner names,
    /// modes 0644 (files) and 0755 (folders). Empty when /out could not be archived
    /// (over its limits or holding a rejected entry).
    /// </summary>
    public required byte[] OutputArchive { get; init; }

    /// <summary>Where the archive was streamed when the request named a <see cref="SandboxRequest.ArchivePath"/> (then
    /// <see cref="OutputArchive"/> is empty); null otherwise or when there is no archive.</summary>
    public string? OutputArchivePath { get; init; }

    /// <summary>The archive's length in bytes, in memory or in its file; 0 when there is none.</summary>
    public long OutputArchiveLength { get; init; }

    /// <summary>Lowercase hex sha256 of the archive (in memory or in its file); null when there is no archive.</summary>
    public string? OutputArchiveSha256 { get; init; }

    /// <summary>Fuel consumed when the run was metered, else null.</summary>
    public ulong? FuelConsumed { get; init; }

    /// <summary>Time spent in the module (from its instantiation, which runs its start function if any, to the end of <c>_start</c>).</summary>
    public required TimeSpan WallTime { get; init; }

    public required ModuleSource ModuleSource { get; init; }

    /// <summary>Time taken to get the compiled module before the run: compiling it, or loading it from a cache (see <see cref="ModuleSource"/>).</summary>
    public TimeSpan ModuleLoadTime { get; init; }

    /// <summary>Lowercase hex sha256 of the module bytes.</summary>
    public required string ModuleSha256 { get; init; }
}
