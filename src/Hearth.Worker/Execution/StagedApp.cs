using Hearth.Sandbox;
using Hearth.Sandbox.Apps;

namespace Hearth.Worker.Execution;

/// <summary>
/// An app ready to run: its module on disk and, for a bundle, its trees unpacked and mounted read-only, and the manifest's
/// arguments, environment and needs. A plain module has no mounts, arguments, environment or needs.
/// </summary>
public sealed record StagedApp(string ModulePath, IReadOnlyList<ReadOnlyMount> Mounts, IReadOnlyList<string> Arguments,
    IReadOnlyDictionary<string, string> Environment, AppNeeds Needs)
{
    public static StagedApp Module(string path) => new(path, [], [], new Dictionary<string, string>(), AppNeeds.None);

    /// <summary>The manifest's arguments, then the request's.</summary>
    public IReadOnlyList<string> ArgumentsWith(IReadOnlyList<string> request) => [.. Arguments, .. request];

    /// <summary>The manifest's environment overlaid by the request's (whose HEARTH_* the scheduler sets; a manifest may set none).</summary>
    public IReadOnlyDictionary<string, string> EnvironmentWith(IReadOnlyDictionary<string, string> request)
    {
        var merged = new Dictionary<string, string>(Environment, StringComparer.Ordinal);
        foreach (var (name, value) in request) merged[name] = value;
        return merged;
    }

    /// <summary>The first of the manifest's needs the sandbox limits do not give, or null.</summary>
    public string? UnmetNeed(SandboxLimits limits)
    {
        if (Needs.MemoryBytes is { } memory && memory > limits.MemoryBytes)
            return $"the app needs {memory} bytes of memory and the task gives {limits.MemoryBytes}";
        if (Needs.ScratchBytes is { } scratch && scratch > limits.ScratchBytes)
            return $"the app needs {scratch} bytes of /tmp and the task gives {limits.ScratchBytes}";
        if (Needs.OutputBytes is { } output && output > limits.OutputBytes)
            return $"the app needs {output} bytes of /out and the task gives {limits.OutputBytes}";
        return null;
    }
}
