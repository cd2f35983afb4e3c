using Wasmtime;

namespace Hearth.Sandbox.Execution;

/// <summary>
/// An engine of <see cref="EngineSettings"/> with the linker all its runs instantiate through:
/// WASI preview1, defined once. The linker keeps nothing of a run (each store brings its own
/// WASI context) and instantiating only reads it, so concurrent runs share it.
/// </summary>
internal sealed class WasiEngine : IDisposable
{
    public WasiEngine(bool epochInterruption, bool fuel)
    {
        Engine = EngineSettings.Create(epochInterruption, fuel);
        CacheKey = EngineSettings.CacheKey(epochInterruption, fuel);
        Linker = new Linker(Engine);
        Linker.DefineWasi();
    }

    public Engine Engine { get; }

    /// <summary>The module cache's folder name for modules compiled by this engine.</summary>
    public string CacheKey { get; }

    public Linker Linker { get; }

    public void Dispose()
    {
        Linker.Dispose();
        Engine.Dispose();
    }
}
