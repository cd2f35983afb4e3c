using System.ComponentModel;
using System.Diagnostics;
using Hearth.Sandbox.Execution;
using Hearth.Sandbox.Execution.Protocol;
using Microsoft.Extensions.Logging;

namespace Hearth.Sandbox.ChildProcess;

/// <summary>
/// One sandbox host process, seen from the runner: it serves runs one at a time over its
/// stdin and stdout (<see cref="HostMessageType"/>, through a <see cref="HostChannel"/>); its
/// stderr is logged. Ending the process is the only way to stop its module, and it ends the
/// host for good.
/// </summary>
internal sealed class SandboxHost : IDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(10);
    // Bounds the memory of a long-lived host's list; forgetting costs one run a transfer.
    private const int MaxKnownModules = 1024;

    private readonly Process _process;
    private readonly Stream _toHost;
    private readonly HostChannel _channel;
    private readonly ILogger _logger;
    // Modules this host compiled or loaded (one run at a time uses it): their runs go without the bytes.
    private readonly HashSet<string> _knownModules = new(StringComparer.Ordinal);
    private volatile string? _lastErrorLine;
    private volatile bool _stopped;

    private readonly Func<string, bool> _compiledOnDisk;

    private SandboxHost(Process process, ILogger logger, Func<string, bool> compiledOnDisk)
    {
        _compiledOnDisk = compiledOnDisk;
        _process = process;
        _toHost = process.StandardInput.BaseStream;
        // Buffered: a message's length and body, and messages written together, come in one read.
        var fromHost = new BufferedStream(process.StandardOutput.BaseStream, 64 * 1024);
        _channel = new HostChannel(_toHost, fromHost, onLost: EndProcess);
        _logger = logger;
        ProcessId = process.Id;
        process.ErrorDataReceived += (_, line) => OnErrorLine(line.Data);
        process.BeginErrorReadLine();
    }

    public int ProcessId { get; }

    /// <summary>How many runs carried the module's bytes to this host: the first of each module, and any the host asked for again.</summary>
    public int ModuleTransfers => _channel.ModuleTransfers;

    /// <summary>True once the host was ended, crashed or broke the protocol: it serves no more runs.</summary>
    public bool Broken => _stopped || _channel.Lost is not null || _process.HasExited;

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
        // Before the host is sent anything: no module runs in it without these limits.
        if (launcher.Limit(process.Id) is { Count: > 0 } refused)
        {
            SandboxLog.HostLimitsRefused(logger, process.Id, string.Join(", ", refused));
        }
        var host = new SandboxHost(process, logger, launcher.IsCompiledOnDisk);
        host._channel.StartReading();
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
        HostFrame? frame;
        try
        {
            frame = await _channel.FirstMessage.WaitAsync(ReadyTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException($"the sandbox host did not start within {ReadyTimeout.TotalSeconds:0} s");
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
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
    /// stop by the guard overrides it); the host is then <see cref="Broken"/>. The module's
    /// bytes go only to a host that does not know the module yet and cannot load it from the cache folder, or asks for them.
    /// </summary>
    public async Task<ModuleOutcome> RunAsync(ModuleInvocation invocation, RunGuard guard, ConsoleCapture stdout, ConsoleCapture stderr)
    {
        // A module compiled on disk goes without its bytes too: a large one loads from the file faster than it crosses the pipe.
        var withModule = !_knownModules.Contains(invocation.ModuleSha256) && !_compiledOnDisk(invocation.ModuleSha256);
        var run = new HostRun(invocation, guard, stdout, stderr, withModule);
        if (await _channel.RunAsync(run).ConfigureAwait(false) is { } outcome)
        {
            if (outcome.Source is not null)
            {
                Remember(invocation.ModuleSha256);
            }
            return outcome;
        }

        var wallTime = guard.Elapsed;
        var stopped = _stopped;
        Kill();
        var exitCode = await ExitCodeAsync().ConfigureAwait(false);
        var reason = $"{_channel.Lost} (code {exitCode}){Detail()}";
        if (!stopped)
        {
            SandboxLog.HostFailed(_logger, ProcessId, reason);
        }
        return ModuleOutcome.Failed(SandboxFailureKind.HostFailed, reason) with { WallTime = wallTime };
    }

    private void Remember(string moduleSha256)
    {
        if (_knownModules.Count >= MaxKnownModules)
        {
            _knownModules.Clear();
        }
        _knownModules.Add(moduleSha256);
    }

    /// <summary>Ends the process at once (SIGKILL), whatever it is doing: the runner stops its module. Safe to call from any thread, any number of times.</summary>
    public void Kill()
    {
        _stopped = true;
        EndProcess();
    }

    private void EndProcess()
    {
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
        // The process does not close the streams it handed out: stdin here, stdout when the channel's reader reaches its end.
        _toHost.Dispose();
        _process.Dispose();
    }
}
