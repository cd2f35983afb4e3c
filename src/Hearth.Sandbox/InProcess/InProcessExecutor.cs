using Hearth.Sandbox.Execution;

namespace Hearth.Sandbox.InProcess;

/// <summary>Runs modules in this process, compiled with epoch interruption so that the guard can stop them.</summary>
internal sealed class InProcessExecutor(ModuleCache cache) : IModuleExecutor
{
    // Wasm frames live on the native stack of the thread that calls in; a
    // dedicated thread also keeps a long run off the thread pool.
    private const int ThreadStackBytes = 16 * 1024 * 1024;

    private readonly SandboxEngines _engines = new();

    public Task<ModuleOutcome> RunAsync(ModuleInvocation invocation, RunGuard guard, ConsoleCapture stdout, ConsoleCapture stderr, CancellationToken cancellationToken)
    {
        var fuel = invocation.Fuel is not null;
        var hooks = new EpochRunHooks(guard, _engines, stdout, stderr);
        return OnDedicatedThread(() => ModuleExecution.Run(_engines.Get(fuel), SandboxEngines.Key(fuel), cache, invocation, hooks));
    }

    private static Task<T> OnDedicatedThread<T>(Func<T> work)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                completion.SetResult(work());
            }
            catch (Exception exception)
            {
                completion.SetException(exception);
            }
        }, ThreadStackBytes)
        {
            IsBackground = true,
            Name = "hearth-sandbox",
        };
        thread.Start();
        return completion.Task;
    }

    public void Dispose() => _engines.Dispose();
}
