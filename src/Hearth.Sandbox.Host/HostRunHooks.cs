using Hearth.Sandbox.Execution;
using Hearth.Sandbox.Execution.Protocol;
using Wasmtime;

namespace Hearth.Sandbox.Host;

/// <summary>
/// A run inside the host: nothing can interrupt the module (the engine has no epoch),
/// the runner ends the whole process instead; the start and the console output go to
/// the runner as they happen, so it has them even when it ends the process.
/// </summary>
internal sealed class HostRunHooks(int consoleCaptureBytes, Action<byte[]> send) : IModuleRunHooks
{
    private long _stdoutForwarded;
    private long _stderrForwarded;

    public void PrepareStore(Store store)
    {
    }

    public void OnStarting() => send(HostMessages.Started());

    public void OnStandardOutput(ReadOnlySpan<byte> data) => Forward(ConsoleStream.Stdout, ref _stdoutForwarded, data);

    public void OnStandardError(ReadOnlySpan<byte> data) => Forward(ConsoleStream.Stderr, ref _stderrForwarded, data);

    /// <summary>Sends the bytes the runner still keeps of this stream, and the full length for its output limit.</summary>
    private void Forward(ConsoleStream stream, ref long forwarded, ReadOnlySpan<byte> data)
    {
        // One module thread writes, and Wasmtime delivers its writes one at a time.
        var kept = (int)Math.Clamp(consoleCaptureBytes - forwarded, 0, data.Length);
        forwarded += kept;
        send(HostMessages.Console(stream, data[..kept], data.Length));
    }
}
