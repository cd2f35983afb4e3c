using Wasmtime;

namespace Hearth.Sandbox.Execution;

/// <summary>
/// The Wasmtime configurations the sandbox compiles with. Epoch interruption and fuel
/// each change the generated code, so every combination compiles separately and
/// caches under its own key: a module compiled for one engine is never loaded into
/// another. Measured costs: docs/decisions/2026-11-30-sandbox-time-limit.md.
/// </summary>
internal static class EngineSettings
{
    /// <summary>
    /// An engine for this combination. <paramref name="epochInterruption"/> lets an
    /// in-process run be stopped (about 1.8× slower in tight loops); without it only
    /// ending the process stops a module, which is how the sandbox host runs.
    /// </summary>
    public static Engine Create(bool epochInterruption, bool fuel)
    {
        // Multi-memory off: the memory limit applies to each linear memory, so a module declaring many would take
        // the limit many times over. WASI toolchains emit one memory; a module with more is refused at compile time.
        using var config = new Config()
            .WithMultiMemory(false)
            .WithEpochInterruption(epochInterruption)
            .WithFuelConsumption(fuel)
            .WithOptimizationLevel(OptimizationLevel.Speed);
        return new Engine(config);
    }

    /// <summary>
    /// The settings <see cref="Create"/> fixes for every engine, in the module cache's folder name: change it with them,
    /// so that code compiled under the old settings is never loaded (Wasmtime would refuse it, and it would be compiled again).
    /// </summary>
    public const string Fingerprint = "speed-mm0";

    /// <summary>The module cache's folder name for modules compiled by such an engine.</summary>
    public static string CacheKey(bool epochInterruption, bool fuel) => (epochInterruption, fuel) switch
    {
        (true, false) => "epoch",
        (true, true) => "epoch-fuel",
        (false, false) => "uninterrupted",
        (false, true) => "fuel",
    };
}
