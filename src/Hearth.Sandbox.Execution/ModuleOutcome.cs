namespace Hearth.Sandbox.Execution;

/// <summary>What happened inside the module, before /out is looked at and before any stop the caller asked for.</summary>
/// <param name="ExitCode">The module's exit code; null when it never exited.</param>
/// <param name="FuelConsumed">Fuel used by a metered run, else null.</param>
/// <param name="WallTime">Time from instantiation (which runs a start function, if any) to the end of <c>_start</c>.</param>
/// <param name="Source">Where the compiled code came from; null when the bytes are not a module.</param>
internal sealed record ModuleOutcome(
    SandboxFailureKind Failure,
    string? Reason,
    int? ExitCode,
    ulong? FuelConsumed,
    TimeSpan WallTime,
    ModuleSource? Source)
{
    /// <summary>Time taken to get the compiled module: compiling it (and writing the cache file), or loading it from the cache.</summary>
    public TimeSpan LoadTime { get; init; }

    public static ModuleOutcome Failed(SandboxFailureKind failure, string reason) => new(failure, reason, null, null, default, null);

    public static ModuleOutcome Exited(int exitCode) => new(SandboxFailureKind.None, null, exitCode, null, default, null);
}
