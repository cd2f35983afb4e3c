namespace Hearth.Sandbox.Execution;

/// <summary>
/// Everything needed to run one module once, in this process or in a sandbox host:
/// the module, what it sees, and the limits the running code itself enforces. The
/// time, output and cancellation limits are watched from outside (RunGuard).
/// </summary>
/// <param name="Module">
/// The module's bytes, binary or text format; null when the one running it is expected to
/// have it compiled already (a sandbox host that ran it before).
/// </param>
/// <param name="ModuleSha256">Lowercase hex sha256 of <paramref name="Module"/>: the cache key.</param>
/// <param name="Environment">Environment variables in the order the module sees them (sorted by name).</param>
/// <param name="InputDirectory">Host folder shown read-only at /in.</param>
/// <param name="OutputDirectory">Host folder shown writable at /out.</param>
/// <param name="ScratchDirectory">Host folder shown writable at /tmp: the run's scratch space, never archived.</param>
/// <param name="ReadOnlyMounts">Host folders shown read-only, as (guest path, host folder), after /tmp in this order.</param>
/// <param name="MemoryBytes">Largest size the module's linear memory may grow to.</param>
/// <param name="Fuel">Fuel budget; null runs unmetered.</param>
/// <param name="ConsoleCaptureBytes">Bytes of stdout, and of stderr, the caller keeps; a host forwards no more.</param>
internal sealed record ModuleInvocation(
    byte[]? Module,
    string ModuleSha256,
    string ProgramName,
    IReadOnlyList<string> Arguments,
    IReadOnlyList<KeyValuePair<string, string>> Environment,
    string InputDirectory,
    string OutputDirectory,
    string ScratchDirectory,
    IReadOnlyList<KeyValuePair<string, string>> ReadOnlyMounts,
    long MemoryBytes,
    ulong? Fuel,
    int ConsoleCaptureBytes);
