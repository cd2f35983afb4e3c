using Hearth.Sandbox.Execution;
using Hearth.Sandbox.Execution.Protocol;

namespace Hearth.Sandbox.ChildProcess;

/// <summary>
/// The messages between the runner and one sandbox host. Runs go out on the host's stdin; a
/// thread of the channel's own reads its stdout with plain blocking reads and hands each message
/// to the run being served as it arrives (an asynchronous read on a pipe goes through the socket
/// engine's thread and then the thread pool, and makes every later read on it do so). Once
/// stdout ends or breaks the protocol, the channel is lost for good.
/// </summary>
internal sealed class HostChannel(Stream toHost, Stream fromHost, Action onLost)
{
    private const int ReaderStackBytes = 256 * 1024;

    private readonly Lock _lock = new();
    private readonly Lock _sending = new();
    private readonly TaskCompletionSource<HostFrame?> _firstMessage = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Under _lock: the run being served, and why the channel was lost.
    private HostRun? _run;
    private string? _lost;
    private int _moduleTransfers;

    /// <summary>The host's first message (<see cref="HostMessageType.Ready"/>, if it speaks the protocol); null when stdout ended first.</summary>
    public Task<HostFrame?> FirstMessage => _firstMessage.Task;

    /// <summary>Why the host can serve no more (it died or broke the protocol); null while it can.</summary>
    public string? Lost
    {
        get
        {
            lock (_lock)
            {
                return _lost;
            }
        }
    }

    /// <summary>How many runs carried their module's bytes.</summary>
    public int ModuleTransfers => Volatile.Read(ref _moduleTransfers);

    public void StartReading() =>
        new Thread(ReadMessages, ReaderStackBytes) { IsBackground = true, Name = "hearth-sandbox-host" }.Start();

    /// <summary>Sends the run and waits for its end: the host's outcome, or null when the channel was lost first.</summary>
    public async Task<ModuleOutcome?> RunAsync(HostRun run)
    {
        bool lost;
        lock (_lock)
        {
            lost = _lost is not null;
            _run = lost ? null : run;
        }
        if (lost)
        {
            run.HostLost();
        }
        else
        {
            try
            {
                Send(run);
            }
            catch (Exception exception) when (exception is IOException or ObjectDisposedException)
            {
                Lose("the sandbox host process exited unexpectedly");
            }
        }
        var outcome = await run.Ended.ConfigureAwait(false);
        lock (_lock)
        {
            _run = null;
        }
        return outcome;
    }

    /// <summary>Sends the run, with the module's bytes or without.</summary>
    private void Send(HostRun run)
    {
        var withModule = run.WithModule;
        var message = HostMessages.Run(withModule ? run.Invocation : run.Invocation with { Module = null });
        lock (_sending)
        {
            if (withModule)
            {
                Interlocked.Increment(ref _moduleTransfers);
            }
            toHost.Write(message);
            toHost.Flush();
        }
    }

    /// <summary>
    /// The reader thread: hands the first message to <see cref="FirstMessage"/>, then each message
    /// to the run being served, until stdout ends or breaks the protocol; then closes stdout.
    /// </summary>
    private void ReadMessages()
    {
        try
        {
            Lose(ReadUntilLost());
        }
        finally
        {
            fromHost.Dispose();
        }
    }

    /// <summary>Reads until stdout ends or breaks the protocol, and says which.</summary>
    private string ReadUntilLost()
    {
        try
        {
            _firstMessage.TrySetResult(HostFrame.Read(fromHost));
        }
        catch (Exception exception)
        {
            _firstMessage.TrySetException(exception);
            return "the sandbox host did not start";
        }

        try
        {
            while (HostFrame.Read(fromHost) is { } frame)
            {
                HostRun? run;
                lock (_lock)
                {
                    run = _run;
                }
                if (run is null)
                {
                    throw new InvalidDataException($"unexpected {frame.Type} message between runs");
                }
                if (run.OnMessage(frame))
                {
                    Send(run);
                }
            }
            return "the sandbox host process exited unexpectedly";
        }
        catch (Exception exception) when (exception is InvalidDataException or EndOfStreamException)
        {
            return $"the sandbox host broke the host protocol ({exception.Message}) and was ended";
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException)
        {
            return "the sandbox host process exited unexpectedly";
        }
        catch (Exception exception)
        {
            // A message that cannot be read is not of the protocol either; on this thread, it must not end the process.
            return $"the sandbox host broke the host protocol ({exception.Message}) and was ended";
        }
    }

    /// <summary>The host can serve no more: the run being served, if any, ends without an outcome.</summary>
    private void Lose(string problem)
    {
        HostRun? run;
        lock (_lock)
        {
            _lost ??= problem;
            run = _run;
        }
        onLost();
        run?.HostLost();
    }
}
