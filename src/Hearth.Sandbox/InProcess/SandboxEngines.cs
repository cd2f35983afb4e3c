using Hearth.Sandbox.Execution;

namespace Hearth.Sandbox.InProcess;

/// <summary>
/// The two engines of in-process runs, metered and not. Both interrupt by epoch, the
/// only way to stop a module stuck in a loop without leaving the process; <see cref="Tick"/>
/// advances their epoch so that running modules look at their guard.
/// </summary>
internal sealed class SandboxEngines : IDisposable
{
    private readonly Lazy<WasiEngine> _plain = new(() => new WasiEngine(epochInterruption: true, fuel: false));
    private readonly Lazy<WasiEngine> _metered = new(() => new WasiEngine(epochInterruption: true, fuel: true));

    public WasiEngine Get(bool fuel) => fuel ? _metered.Value : _plain.Value;

    /// <summary>Advances the epoch of every engine in use, waking the deadline callbacks of running modules.</summary>
    public void Tick()
    {
        if (_plain.IsValueCreated)
        {
            _plain.Value.Engine.IncrementEpoch();
        }
        if (_metered.IsValueCreated)
        {
            _metered.Value.Engine.IncrementEpoch();
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
