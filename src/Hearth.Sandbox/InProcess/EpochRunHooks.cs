using Hearth.Sandbox.Execution;
using Wasmtime;

namespace Hearth.Sandbox.InProcess;

/// <summary>
/// A run in this process: the store's epoch deadline is one tick away, and when the
/// guard asks for a stop the engines tick, the deadline callback runs on the module's
/// thread, sees the stop and throws, which ends the module.
/// </summary>
internal sealed class EpochRunHooks(RunGuard guard, SandboxEngines engines, ConsoleCapture stdout, ConsoleCapture stderr) : IModuleRunHooks
{
    public void PrepareStore(Store store)
    {
        store.SetEpochDeadline(1);
        store.SetEpochDeadlineCallback(_ => OnEpochDeadline());
        // Registered once the deadline is armed: a stop asked for earlier ticks at once.
        guard.StopRequested.Register(engines.Tick);
    }

    public void OnStarting() => guard.Start();

    public void OnStandardOutput(ReadOnlySpan<byte> data) => stdout.Write(data);

    public void OnStandardError(ReadOnlySpan<byte> data) => stderr.Write(data);

    /// <summary>Throwing ends the module; returning lets it go on until the next tick (another run's stop).</summary>
    private ulong OnEpochDeadline()
    {
        if (guard.StopReason is { } stop)
        {
            throw new SandboxStopException(stop.Reason);
        }
        return 1;
    }
}

/// <summary>Thrown from the epoch deadline callback to end a module the guard stopped.</summary>
internal sealed class SandboxStopException(string reason) : Exception(reason);
