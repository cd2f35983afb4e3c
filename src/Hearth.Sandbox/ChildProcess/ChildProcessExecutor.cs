using Hearth.Sandbox.Execution;
using Microsoft.Extensions.Logging;

namespace Hearth.Sandbox.ChildProcess;

/// <summary>
/// Runs modules in sandbox host processes, compiled without epoch interruption (native
/// speed). A stop by the guard (time, output, cancellation) ends the host's process,
/// which also stops a module blocked in a host call; the pool replaces the host.
/// </summary>
internal sealed class ChildProcessExecutor(SandboxOptions options, ILogger logger, TimeProvider time) : IModuleExecutor
{
    private readonly SandboxHostPool _pool = new(new SandboxHostLauncher(options), options.HostPoolSize, logger, time);

    private readonly SemaphoreSlim _runs = new(options.ConcurrentRuns ?? options.HostPoolSize, options.ConcurrentRuns ?? options.HostPoolSize);

    internal SandboxHostPool Pool => _pool;

    public async Task<ModuleOutcome> RunAsync(ModuleInvocation invocation, RunGuard guard, ConsoleCapture stdout, ConsoleCapture stderr, CancellationToken cancellationToken)
    {
        await _runs.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await RunInHostAsync(invocation, guard, stdout, stderr, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _runs.Release();
        }
    }

    private async Task<ModuleOutcome> RunInHostAsync(ModuleInvocation invocation, RunGuard guard, ConsoleCapture stdout, ConsoleCapture stderr, CancellationToken cancellationToken)
    {
        var host = await _pool.RentAsync(cancellationToken).ConfigureAwait(false);
        ModuleOutcome outcome;
        try
        {
            // Disposing the registration waits for a kill under way, so a host given back is never ended afterwards.
            using (guard.StopRequested.Register(host.Kill))
            {
                outcome = await host.RunAsync(invocation, guard, stdout, stderr).ConfigureAwait(false);
            }
        }
        catch
        {
            _pool.Discard(host);
            throw;
        }
        if (host.Broken || guard.StopReason is not null)
        {
            _pool.Discard(host);
        }
        else
        {
            _pool.Return(host);
        }
        ObjectDisposedException.ThrowIf(_pool.IsDisposed, typeof(SandboxRunner));
        return outcome;
    }

    public void Dispose() => _pool.Dispose();
}
