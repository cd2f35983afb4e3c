using Hearth.Sandbox.Execution;
using Hearth.Sandbox.Execution.Protocol;

namespace Hearth.Sandbox.ChildProcess;

/// <summary>
/// One run in a sandbox host, fed the host's messages by its reader thread as they arrive:
/// the start of the clock, the console, and the outcome, or a request for the module's bytes.
/// </summary>
internal sealed class HostRun(ModuleInvocation invocation, RunGuard guard, ConsoleCapture stdout, ConsoleCapture stderr, bool withModule)
{
    private readonly TaskCompletionSource<ModuleOutcome?> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ModuleInvocation Invocation => invocation;

    /// <summary>Whether the next <see cref="HostMessageType.Run"/> sent for this run carries the module's bytes.</summary>
    public bool WithModule { get; private set; } = withModule;

    /// <summary>The host's outcome; null when the host died or broke the protocol first.</summary>
    public Task<ModuleOutcome?> Ended => _ended.Task;

    /// <summary>Handles one message; true when the host asks for the run again, with the module's bytes.</summary>
    /// <exception cref="InvalidDataException">The message has no place here.</exception>
    public bool OnMessage(HostFrame frame)
    {
        if (_ended.Task.IsCompleted)
        {
            throw new InvalidDataException($"unexpected {frame.Type} message after the run finished");
        }
        switch (frame.Type)
        {
            case HostMessageType.ModuleNeeded when !WithModule:
                WithModule = true;
                return true;
            case HostMessageType.Started:
                guard.Start();
                return false;
            case HostMessageType.Console:
                var (stream, kept, written) = HostMessages.ReadConsole(frame);
                (stream == ConsoleStream.Stdout ? stdout : stderr).Append(kept, written);
                return false;
            case HostMessageType.Finished:
                _ended.TrySetResult(HostMessages.ReadFinished(frame));
                return false;
            default:
                throw new InvalidDataException($"unexpected {frame.Type} message during a run");
        }
    }

    /// <summary>The host can no longer answer.</summary>
    public void HostLost() => _ended.TrySetResult(null);
}
