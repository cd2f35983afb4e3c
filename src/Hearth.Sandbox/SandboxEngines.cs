using Wasmtime;

namespace Hearth.Sandbox;

/// <summary>
/// The two Wasmtime engines a runner needs. Fuel metering changes the generated
/// code, so metered and unmetered runs compile separately, each with its own
/// cache key. Both interrupt by epoch, the only way to stop a module stuck in a
/// loop without leaving the process (measured cost: docs/decisions/2026-11-30-sandbox-time-limit.md).
/// </summary>
internal sealed class SandboxEngines : IDisposable
{
    private readonly Lazy<Engine> _plain = new(() => Create(fuel: false));
    private readonly Lazy<Engine> _metered = new(() => Create(fuel: true));

    public static string Key(bool fuel) => fuel ? "epoch-fuel" : "epoch";

    public Engine Get(bool fuel) => fuel ? _metered.Value : _plain.Value;

    /// <summary>Advances the epoch of every engine in use, waking the deadline callbacks of running modules.</summary>
    public void Tick()
    {
        if (_plain.IsValueCreated)
        {
            _plain.Value.IncrementEpoch();
        }
        if (_metered.IsValueCreated)
        {
            _metered.Value.IncrementEpoch();
        }
    }

    private static Engine Create(bool fuel)
    {
        using var config = new Config()
            .WithEpochInterruption(true)
            .WithFuelConsumption(fuel)
            .WithOptimizationLevel(OptimizationLevel.Speed);
        return new Engine(config);
    }

    public void Dispose()
    {
        if (_plain.IsValueCreated)
        {
            _plain.Value.Dispose();
        }
        if (_metered.IsValueCreated)
        {
            _metered.Value.Dispose();
        }
    }
}
