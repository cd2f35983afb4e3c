namespace Hearth.Sandbox;

/// <summary>One run of a WASI preview1 command module.</summary>
public sealed record SandboxRequest
{
    /// <summary>The module's bytes (binary or text format); set this or <see cref="ModulePath"/>.</summary>
    public ReadOnlyMemory<byte>? ModuleBytes { get; init; }

    /// <summary>File holding the module; set this or <see cref="ModuleBytes"/>.</summary>
    public string? ModulePath { get; init; }

    /// <summary>The module's <c>argv[0]</c>. Part of the inputs, so replicas must agree on it.</summary>
    public string ProgramName { get; init; } = "app";

    /// <summary>Arguments after the program name.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Environment variables; the module sees them sorted by name, nothing of the host's.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Dataset shown read-only at /in: a folder as it is, or a single file as
    /// /in/&lt;its file name&gt;. Null gives an empty /in.
    /// </summary>
    public string? InputPath { get; init; }

    /// <summary>
    /// Host folders shown read-only (folders and files) at their mount points, after /in, /out and /tmp and in this
    /// order: an app bundle's trees. A mount point is a plain absolute path away from /in, /out, /tmp, /dev and the other
    /// mounts (<see cref="Apps.AppManifest.CheckMount"/>).
    /// </summary>
    public IReadOnlyList<ReadOnlyMount> ReadOnlyMounts { get; init; } = [];

    /// <summary>
    /// A file (which must not exist yet) to stream the output archive to, hashed while it is written: the archive is
    /// then never held in memory, and <see cref="SandboxResult.OutputArchive"/> stays empty. Null keeps it in memory.
    /// </summary>
    public string? ArchivePath { get; init; }

    /// <summary>Limits for this run; null takes the defaults of <see cref="SandboxOptions"/>.</summary>
    public SandboxLimits? Limits { get; init; }
}
