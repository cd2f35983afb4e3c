namespace Hearth.Sandbox;

/// <summary>What one run may consume. Every limit is enforced; <see cref="Fuel"/> also switches fuel metering on.</summary>
public sealed record SandboxLimits
{
    /// <summary>Largest size, in bytes, the module's linear memory may grow to.</summary>
    public required long MemoryBytes { get; init; }

    /// <summary>Wall-clock time the module may run, from its instantiation (which runs its start function, if any) to the end of <c>_start</c>.</summary>
    public required TimeSpan WallTime { get; init; }

    /// <summary>Total size, in bytes, of the files in /out, and separately of everything written to stdout and stderr.</summary>
    public required long OutputBytes { get; init; }

    /// <summary>Number of files, folders and links /out may hold.</summary>
    public required int OutputEntries { get; init; }

    /// <summary>The default of <see cref="ScratchBytes"/>: 256 MiB.</summary>
    public const long DefaultScratchBytes = 256L * 1024 * 1024;

    /// <summary>The default of <see cref="ScratchEntries"/>.</summary>
    public const int DefaultScratchEntries = 10_000;

    /// <summary>
    /// Total size, in bytes, of the files in /tmp, the run's own scratch space: writable, empty at the start, never
    /// archived, emptied after the run. Checked like /out, while the module runs and after it; going past it fails the
    /// run with <see cref="SandboxFailureKind.OutputTooLarge"/>, a reason naming /tmp.
    /// </summary>
    public long ScratchBytes { get; init; } = DefaultScratchBytes;

    /// <summary>Number of files, folders and links /tmp may hold.</summary>
    public int ScratchEntries { get; init; } = DefaultScratchEntries;

    /// <summary>Bytes of stdout, and of stderr, kept in the result; the rest is counted and dropped.</summary>
    public required int ConsoleCaptureBytes { get; init; }

    /// <summary>
    /// Fuel budget. Null runs without metering (faster); a value meters every
    /// instruction, stops the module with <see cref="SandboxFailureKind.OutOfFuel"/>
    /// when spent and reports the fuel consumed, which replicas agree on.
    /// </summary>
    public ulong? Fuel { get; init; }

    /// <summary>The first problem with these limits, or null when they make sense.</summary>
    public string? Validate()
    {
        if (MemoryBytes < SandboxOptionsValidator.WasmPageBytes)
        {
            return $"memory limit {MemoryBytes} B is below one WebAssembly page ({SandboxOptionsValidator.WasmPageBytes} B)";
        }
        if (MemoryBytes > SandboxOptionsValidator.MaxMemoryBytes)
        {
            return $"memory limit {MemoryBytes} B is above the 4 GiB a 32-bit module can address";
        }
        if (WallTime <= TimeSpan.Zero || WallTime > TimeSpan.FromDays(7))
        {
            return $"wall-time limit {WallTime} must be positive and at most 7 days";
        }
        if (OutputBytes <= 0)
        {
            return $"output limit {OutputBytes} B must be positive";
        }
        if (OutputEntries <= 0)
        {
            return $"output entry limit {OutputEntries} must be positive";
        }
        if (ScratchBytes <= 0)
        {
            return $"scratch limit {ScratchBytes} B must be positive";
        }
        if (ScratchEntries <= 0)
        {
            return $"scratch entry limit {ScratchEntries} must be positive";
        }
        if (ConsoleCaptureBytes < 0)
        {
            return $"console capture limit {ConsoleCaptureBytes} B must not be negative";
        }
        if (Fuel == 0)
        {
            return "a fuel budget of 0 cannot run anything: pass null to run without metering";
        }
        return null;
    }
}
