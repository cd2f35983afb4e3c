using System.ComponentModel;
using System.Diagnostics;
using Hearth.Sandbox.Execution;
using Hearth.Sandbox.Execution.Protocol;
using Microsoft.Extensions.Logging;

namespace Hearth.Sandbox.ChildProcess;

/// <summary>
/// One sandbox host process, seen from the runner: it serves runs one at a time over its
/// stdin and stdout (<see cref="HostMessageType"/>); its stderr is logged. Ending the
/// process is the only way to stop its module, and it ends the host for good.
/// </summary>
internal sealed class SandboxHost : IDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly Stream _toHost;
    private readonly Stream _fromHost;
    private readonly ILogger _logger;
    private volatile string? _lastErrorLine;
    private volatile bool _broken;

    private SandboxHost(Process process, ILogger logger)
    {
        _process = process;
        _toHost = process.StandardInput.BaseStream;
        _fromHost = process.StandardOutput.BaseStream;
        _logger = logger;
        ProcessId = process.Id;
        process.ErrorDataReceived += (_, line) => OnErrorLine(line.Data);
        process.BeginErrorReadLine();
    }

    public int ProcessId { get; }

    /// <summary>True once the host was ended, crashed or broke the protocol: it serves no more runs.</summary>
    public bool Broken => _broken || _process.HasExited;

    /// <summary>Starts a host and waits until its engine is up.</summary>
    /// <exception cref="InvalidOperationException">The host cannot be started or does not answer as one.</exception>
    public static async Task<SandboxHost> StartAsync(SandboxHostLauncher launcher, ILogger logger, CancellationToken cancellationToken)
    {
        var start = launcher.StartInfo();
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start the sandbox host with {start.FileName}");
        }
        catch (Win32Exception exception)
        {
            throw new InvalidOperationException($"cannot start the sandbox host with {start.FileName}: {exception.Message}", exception);
        }
        var host = new SandboxHost(process, logger);
        try
        {
            await host.WaitUntilReadyAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        SandboxLog.HostStarted(logger, host.ProcessId);
        return host;
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReadyTimeout);
        HostFrame? frame;
        try
        {
            frame = await HostFrame.ReadAsync(_fromHost, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"the sandbox host did not start within {ReadyTimeout.TotalSeconds:0} s");
        }
        catch (Exception exception) when (exception is InvalidDataException or IOException)
        {
            throw new InvalidOperationException($"the sandbox host does not speak the host protocol: {exception.Message}", exception);
        }
        if (frame is null)
        {
            var exitCode = await ExitCodeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"the sandbox host exited at start (code {exitCode}){Detail()}");
        }
        if (frame.Type != HostMessageType.Ready || HostMessages.ReadReady(frame) != HostMessages.ProtocolVersion)
        {
            throw new InvalidOperationException($"the sandbox host does not speak version {HostMessages.ProtocolVersion} of the host protocol");
        }
    }

    /// <summary>
    /// Runs one module. Returns the host's outcome, or, when the process ended or broke the
    /// protocol before it finished, a <see cref="SandboxFailureKind.HostFailed"/> saying so (a
    /// stop by the guard overrides it); the host is then <see cref="Broken"/>.
    /// </summary>
    public async Task<ModuleOutcome> RunAsync(ModuleInvocation invocation, RunGuard guard, ConsoleCapture stdout, ConsoleCapture stderr)
    {
        string problem;
        try
        {
            await _toHost.WriteAsync(HostMessages.Run(invocation)).ConfigureAwait(false);
            await _toHost.FlushAsync().ConfigureAwait(false);
            while (await HostFrame.ReadAsync(_fromHost, CancellationToken.None).ConfigureAwait(false) is { } frame)
            {
                switch (frame.Type)
                {
                    case HostMessageType.Started:
                        guard.Start();
                        break;
                    case HostMessageType.Console:
                        var (stream, kept, written) = HostMessages.ReadConsole(frame);
                        (stream == ConsoleStream.Stdout ? stdout : stderr).Append(kept, written);
                        break;
                    case HostMessageType.Finished:
                        return HostMessages.ReadFinished(frame);
                    default:
                        throw new InvalidDataException($"unexpected {frame.Type} message during a run");
                }
            }
            problem = "the sandbox host process exited unexpectedly";
        }
        catch (Exception exception) when (exception is InvalidDataException or EndOfStreamException)
        {
            problem = $"the sandbox host broke the host protocol ({exception.Message}) and was ended";
        }
        catch (IOException)
        {
            problem = "the sandbox host process exited unexpectedly";
        }

        var wallTime = guard.Elapsed;
        var stopped = _broken;
        Kill();
        var exitCode = await ExitCodeAsync().ConfigureAwait(false);
        var reason = $"{problem} (code {exitCode}){Detail()}";
        if (!stopped)
        {
            SandboxLog.HostFailed(_logger, ProcessId, reason);
        }
        return ModuleOutcome.Failed(SandboxFailureKind.HostFailed, reason) with { WallTime = wallTime };
    }

    /// <summary>Ends the process at once (SIGKILL), whatever it is doing. Safe to call from any thread, any number of times.</summary>
    public void Kill()
    {
        _broken = true;
        try
        {
            _process.Kill();
        }
        catch (Exception exception) when (exception is InvalidOperationException or Win32Exception)
        {
            // Already gone.
        }
    }

    private async Task<int> ExitCodeAsync()
    {
        using var timeout = new CancellationTokenSource(ExitTimeout);
        try
        {
            // Also waits until stderr is read to its end, so the last line is in.
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return -1;
        }
    }

    private string Detail() => _lastErrorLine is { } line ? $": {line}" : "";

    private void OnErrorLine(string? line)
    {
        if (!string.IsNullOrWhiteSpace(line))
        {
            _lastErrorLine = line;
            SandboxLog.HostSaid(_logger, ProcessId, line);
        }
    }

    public void Dispose()
    {
        Kill();
        try
        {
            _process.WaitForExit(ExitTimeout);
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }
        _process.Dispose();
    }
}
