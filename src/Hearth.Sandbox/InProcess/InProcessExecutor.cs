using Hearth.Sandbox.Execution;

namespace Hearth.Sandbox.InProcess;

/// <summary>Runs modules in this process, compiled with epoch interruption so that the guard can stop them.</summary>
internal sealed class InProcessExecutor(ModuleCache cache) : IModuleExecutor
{
    private readonly SandboxEngines _engines = new();
    private readonly ModuleThreads _threads = new();

    public Task<ModuleOutcome> RunAsync(ModuleInvocation invocation, RunGuard guard, ConsoleCapture stdout, ConsoleCapture stderr, CancellationToken cancellationToken)
    {
        var fuel = invocation.Fuel is not null;
        var hooks = new EpochRunHooks(guard, _engines, stdout, stderr);
        // An invocation in this process always carries the module's bytes, so it always runs.
        return _threads.RunAsync(() => ModuleExecution.Run(_engines.Get(fuel), cache, invocation, hooks)!);
    }

    /// <summary>Compiles the module for this process's engine, or loads it from the folder, and keeps it in memory.</summary>
    public ModuleSource Prepare(byte[] wasm, string sha256, bool fuel) => cache.Prepare(_engines.Get(fuel), wasm, sha256, keepInMemory: true);

    public void Dispose()
    {
        _threads.Dispose();
        _engines.Dispose();
    }
}
