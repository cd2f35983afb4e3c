using Hearth.Sandbox.Execution;
using Wasmtime;

namespace Hearth.Sandbox.InProcess;

/// <summary>
/// The two engines of in-process runs, metered and not. Both interrupt by epoch, the
/// only way to stop a module stuck in a loop without leaving the process; <see cref="Tick"/>
/// advances their epoch so that running modules look at their guard.
/// </summary>
internal sealed class SandboxEngines : IDisposable
{
    private readonly Lazy<Engine> _plain = new(() => EngineSettings.Create(epochInterruption: true, fuel: false));
    private readonly Lazy<Engine> _metered = new(() => EngineSettings.Create(epochInterruption: true, fuel: true));

    public static string Key(bool fuel) => EngineSettings.CacheKey(epochInterruption: true, fuel);

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
