using Hearth.Sandbox.Execution;
using Hearth.Sandbox.Execution.Protocol;

namespace Hearth.Sandbox.Host;

/// <summary>
/// Reads runs from the runner and hands them to the module thread, one at a time. The
/// reading never stops, so when the runner goes away (stdin ends) the host ends at
/// once, even in the middle of a run.
/// </summary>
internal sealed class HostServer(Stream input, Stream output, WasiEngine engine, ModuleCache cache)
{
    // Wasm frames live on the native stack of the thread that calls in.
    private const int ModuleThreadStackBytes = 16 * 1024 * 1024;

    private readonly Lock _sending = new();
    // The run handed to the module thread and not taken yet; a plain monitor, as the module thread waits without spinning.
    private readonly object _handOver = new();
    private ModuleInvocation? _next;
    private volatile bool _running;

    /// <summary>Serves until stdin ends (exit code 0) or brings anything but a run while none is going (2).</summary>
    public int Serve()
    {
        new Thread(RunModules, ModuleThreadStackBytes) { IsBackground = true, Name = "hearth-sandbox-module" }.Start();
        Send(HostMessages.Ready());
        while (true)
        {
            HostFrame? frame;
            try
            {
                frame = HostFrame.Read(input);
            }
            catch (InvalidDataException exception)
            {
                Console.Error.WriteLine($"stdin does not carry the host protocol: {exception.Message}");
                return 2;
            }
            if (frame is null)
            {
                return 0;
            }
            if (frame.Type != HostMessageType.Run || _running)
            {
                Console.Error.WriteLine($"unexpected {frame.Type} message");
                return 2;
            }
            _running = true;
            var invocation = HostMessages.ReadRun(frame);
            lock (_handOver)
            {
                _next = invocation;
                Monitor.Pulse(_handOver);
            }
        }
    }

    private void RunModules()
    {
        while (true)
        {
            ModuleInvocation invocation;
            lock (_handOver)
            {
                while (_next is null)
                {
                    Monitor.Wait(_handOver);
                }
                (invocation, _next) = (_next, null);
            }
            var hooks = new HostRunHooks(invocation.ConsoleCaptureBytes, Send);
            var outcome = ModuleExecution.Run(engine, cache, invocation, hooks);
            // Before the answer: the runner may send the next run as soon as it has it.
            _running = false;
            Send(outcome is null ? HostMessages.ModuleNeeded() : HostMessages.Finished(outcome));
        }
    }

    private void Send(byte[] frame)
    {
        lock (_sending)
        {
            output.Write(frame);
            output.Flush();
        }
    }
}
