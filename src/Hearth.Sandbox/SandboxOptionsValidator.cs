using Microsoft.Extensions.Options;

namespace Hearth.Sandbox;

/// <summary>Rejects sandbox settings that cannot work, with the setting's name in the message.</summary>
public sealed class SandboxOptionsValidator : IValidateOptions<SandboxOptions>
{
    internal const long WasmPageBytes = 64 * 1024;
    internal const long MaxMemoryBytes = 4L * 1024 * 1024 * 1024;
    internal const int MaxHostPoolSize = 1024;

    public ValidateOptionsResult Validate(string? name, SandboxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ModuleCacheDirectory))
        {
            failures.Add($"{nameof(SandboxOptions.ModuleCacheDirectory)} must name a folder");
        }
        if (options.ModuleCacheMaxBytes < 1)
        {
            failures.Add($"{nameof(SandboxOptions.ModuleCacheMaxBytes)} must be positive, got {options.ModuleCacheMaxBytes}");
        }
        if (string.IsNullOrWhiteSpace(options.WorkDirectory))
        {
            failures.Add($"{nameof(SandboxOptions.WorkDirectory)} must name a folder");
        }
        if (options.MemoryCacheEntries < 1)
        {
            failures.Add($"{nameof(SandboxOptions.MemoryCacheEntries)} must be at least 1, got {options.MemoryCacheEntries}");
        }
        if (!Enum.IsDefined(options.Isolation))
        {
            failures.Add($"{nameof(SandboxOptions.Isolation)} must be {nameof(SandboxIsolation.ChildProcess)} or {nameof(SandboxIsolation.InProcess)}, got {options.Isolation}");
        }
        if (options.HostPoolSize is < 1 or > MaxHostPoolSize)
        {
            failures.Add($"{nameof(SandboxOptions.HostPoolSize)} must be within 1..{MaxHostPoolSize}, got {options.HostPoolSize}");
        }
        if (options.HostOpenFilesLimit is < 64 or > 1_048_576)
        {
            failures.Add($"{nameof(SandboxOptions.HostOpenFilesLimit)} must be within 64..1048576, got {options.HostOpenFilesLimit}");
        }
        if (options.HostProcessLimit is < 16)
        {
            failures.Add($"{nameof(SandboxOptions.HostProcessLimit)} must be at least 16 when set (the host's runtime has threads), got {options.HostProcessLimit}");
        }
        if (options.HostAddressSpaceBytes is < 1L << 30)
        {
            failures.Add($"{nameof(SandboxOptions.HostAddressSpaceBytes)} must be at least 1 GiB when set, got {options.HostAddressSpaceBytes}");
        }
        if (options.ConcurrentRuns is < 1 or > MaxHostPoolSize)
        {
            failures.Add($"{nameof(SandboxOptions.ConcurrentRuns)} must be within 1..{MaxHostPoolSize} when set, got {options.ConcurrentRuns}");
        }
        if (options.CheckIntervalMilliseconds is < 1 or > 10_000)
        {
            failures.Add($"{nameof(SandboxOptions.CheckIntervalMilliseconds)} must be within 1..10000, got {options.CheckIntervalMilliseconds}");
        }
        if (options.DefaultWallTimeLimitMilliseconds <= 0)
        {
            failures.Add($"{nameof(SandboxOptions.DefaultWallTimeLimitMilliseconds)} must be positive, got {options.DefaultWallTimeLimitMilliseconds}");
        }
        else if (options.DefaultLimits().Validate() is { } problem)
        {
            failures.Add($"default limits: {problem}");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> listing every problem.</summary>
    public static void ThrowIfInvalid(SandboxOptions options)
    {
        var result = new SandboxOptionsValidator().Validate(Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(SandboxOptions), result.Failures);
        }
    }
}
