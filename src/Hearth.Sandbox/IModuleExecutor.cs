using Hearth.Sandbox.Execution;

namespace Hearth.Sandbox;

/// <summary>Runs invocations somewhere: in this process, or in a sandbox host process.</summary>
internal interface IModuleExecutor : IDisposable
{
    /// <summary>
    /// Runs the module until it ends or <paramref name="guard"/> stops it, its console into
    /// the captures. A stop is not reflected in the outcome: the caller reads the guard.
    /// </summary>
    Task<ModuleOutcome> RunAsync(ModuleInvocation invocation, RunGuard guard, ConsoleCapture stdout, ConsoleCapture stderr, CancellationToken cancellationToken);
}
