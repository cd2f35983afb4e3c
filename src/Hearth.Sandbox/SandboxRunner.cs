using System.Security.Cryptography;
using Hearth.Sandbox.ChildProcess;
using Hearth.Sandbox.Execution;
using Hearth.Sandbox.InProcess;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hearth.Sandbox;

/// <summary>
/// Runs WASI preview1 command modules under Wasmtime: the dataset read-only at /in,
/// a fresh empty /out, the request's arguments and environment, nothing else of the
/// host (no network, no other files), within memory, time, output and optional fuel
/// limits; and packs /out into a deterministic archive. Unmetered runs go to sandbox
/// host processes by default (<see cref="SandboxOptions.Isolation"/>). Safe to share
/// between concurrent runs; disposing it ends its host processes.
/// </summary>
public sealed class SandboxRunner : IDisposable
{
    private readonly SandboxOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly InProcessExecutor _inProcess;
    private readonly ChildProcessExecutor? _childProcess;
    private readonly ModuleLoadCounter _loads = new();

    public SandboxRunner(SandboxOptions options, ILogger<SandboxRunner>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        SandboxOptionsValidator.ThrowIfInvalid(options);
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _inProcess = new InProcessExecutor(new ModuleCache(options.ModuleCacheDirectory, options.MemoryCacheEntries, new ModuleCacheLogger(_logger)));
        // Hosts killed at a time limit while writing compiled code leave temporary files; an hour old, nobody writes them.
        ModuleCache.RemoveAbandonedWrites(options.ModuleCacheDirectory, TimeSpan.FromHours(1));
        _childProcess = options.Isolation == SandboxIsolation.ChildProcess ? new ChildProcessExecutor(options, _logger) : null;
    }

    /// <summary>Where the compiled code of this runner's runs came from, in this process and in its hosts.</summary>
    public ModuleCacheStatistics CacheStatistics => _loads.Statistics;

    /// <summary>The sandbox hosts of a <see cref="SandboxIsolation.ChildProcess"/> runner; null in process.</summary>
    internal SandboxHostPool? Hosts => _childProcess?.Pool;

    /// <summary>
    /// Runs the module. Failures of the module are reported in the result; a bad
    /// request throws <see cref="ArgumentException"/>, a missing file an
    /// <see cref="IOException"/>, and cancellation stops the module and throws
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    public async Task<SandboxResult> RunAsync(SandboxRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var limits = request.Limits ?? _options.DefaultLimits();
        if (limits.Validate() is { } problem)
        {
            throw new ArgumentException($"invalid sandbox limits: {problem}", nameof(request));
        }
        var wasm = await ReadModuleAsync(request, cancellationToken).ConfigureAwait(false);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(wasm));
        cancellationToken.ThrowIfCancellationRequested();

        var runDirectory = Path.Combine(_options.WorkDirectory, Guid.NewGuid().ToString("N"));
        try
        {
            var outDirectory = Directory.CreateDirectory(Path.Combine(runDirectory, "out")).FullName;
            var invocation = new ModuleInvocation(
                wasm,
                sha256,
                request.ProgramName,
                request.Arguments,
                [.. request.Environment.OrderBy(pair => pair.Key, StringComparer.Ordinal)],
                PrepareInput(request.InputPath, runDirectory),
                outDirectory,
                limits.MemoryBytes,
                limits.Fuel,
                limits.ConsoleCaptureBytes);

            var (outcome, stdout, stderr) = await ExecuteAsync(invocation, limits, cancellationToken).ConfigureAwait(false);
            var (failure, reason) = (outcome.Failure, outcome.Reason);
            byte[] archive = [];
            string? archiveSha256 = null;
            if (failure is not SandboxFailureKind.InvalidModule and not SandboxFailureKind.OutputTooLarge and not SandboxFailureKind.HostFailed)
            {
                var scan = OutputScanner.Run(outDirectory, limits.OutputBytes, limits.OutputEntries, collect: true);
                if (scan.LimitExceeded is { } exceeded)
                {
                    (failure, reason) = (SandboxFailureKind.OutputTooLarge, exceeded);
                }
                else
                {
                    (archive, archiveSha256) = await DeterministicTar.WriteAsync(scan.Entries, cancellationToken).ConfigureAwait(false);
                }
            }

            var (stdoutBytes, stdoutTruncated) = stdout.Result();
            var (stderrBytes, stderrTruncated) = stderr.Result();
            var result = new SandboxResult
            {
                Failure = failure,
                FailureReason = reason,
                ExitCode = outcome.ExitCode,
                Stdout = stdoutBytes,
                StdoutTruncated = stdoutTruncated,
                Stderr = stderrBytes,
                StderrTruncated = stderrTruncated,
                OutputArchive = archive,
                OutputArchiveSha256 = archiveSha256,
                FuelConsumed = outcome.FuelConsumed,
                WallTime = outcome.WallTime,
                ModuleSource = outcome.Source ?? ModuleSource.Compiled,
                ModuleSha256 = sha256,
            };
            if (result.Succeeded)
            {
                SandboxLog.RunSucceeded(_logger, sha256, result.ModuleSource, (long)result.WallTime.TotalMilliseconds, archiveSha256);
            }
            else
            {
                SandboxLog.RunFailed(_logger, sha256, (long)result.WallTime.TotalMilliseconds, failure, reason);
            }
            return result;
        }
        finally
        {
            RemoveRunDirectory(runDirectory);
        }
    }

    /// <summary>Runs the module where it belongs, under a guard; a stop the guard made explains the outcome.</summary>
    private async Task<(ModuleOutcome Outcome, ConsoleCapture Stdout, ConsoleCapture Stderr)> ExecuteAsync(
        ModuleInvocation invocation, SandboxLimits limits, CancellationToken cancellationToken)
    {
        // Fuel already instruments the code as epoch interruption does, so metered runs gain nothing from a host.
        var where = invocation.Fuel is null && _childProcess is not null ? SandboxIsolation.ChildProcess : SandboxIsolation.InProcess;
        IModuleExecutor executor = where == SandboxIsolation.ChildProcess ? _childProcess! : _inProcess;
        SandboxLog.RunStarting(_logger, invocation.ModuleSha256, where, limits.MemoryBytes, limits.WallTime, limits.Fuel);

        var guard = new RunGuard(_time, limits, invocation.OutputDirectory, TimeSpan.FromMilliseconds(_options.CheckIntervalMilliseconds), cancellationToken);
        var stdout = new ConsoleCapture(limits.ConsoleCaptureBytes, guard.OnConsoleWritten);
        var stderr = new ConsoleCapture(limits.ConsoleCaptureBytes, guard.OnConsoleWritten);
        ModuleOutcome outcome;
        try
        {
            outcome = await executor.RunAsync(invocation, guard, stdout, stderr, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            guard.Dispose();
        }
        _loads.Count(outcome.Source);

        if (guard.Cancelled)
        {
            SandboxLog.RunCancelled(_logger, invocation.ModuleSha256);
            throw new OperationCanceledException("the sandbox run was cancelled", cancellationToken);
        }
        // A stop the guard asked for explains whatever the module did after it.
        if (guard.StopReason is { } stopped)
        {
            outcome = outcome with { Failure = stopped.Kind, Reason = stopped.Reason, ExitCode = null };
        }
        return (outcome, stdout, stderr);
    }

    private static async Task<byte[]> ReadModuleAsync(SandboxRequest request, CancellationToken cancellationToken)
    {
        return (request.ModuleBytes, request.ModulePath) switch
        {
            ({ } bytes, null) => bytes.ToArray(),
            (null, { } path) => await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false),
            _ => throw new ArgumentException("set exactly one of ModuleBytes and ModulePath", nameof(request)),
        };
    }

    /// <summary>The host folder shown at /in: the dataset folder itself, a copy of a single-file dataset, or an empty folder.</summary>
    private static string PrepareInput(string? inputPath, string runDirectory)
    {
        if (inputPath is null)
        {
            return Directory.CreateDirectory(Path.Combine(runDirectory, "in")).FullName;
        }
        if (Directory.Exists(inputPath))
        {
            return Path.GetFullPath(inputPath);
        }
        if (!File.Exists(inputPath))
        {
            throw new FileNotFoundException($"the dataset '{inputPath}' does not exist", inputPath);
        }
        // A preopen is a folder; a link to the file would not resolve inside the
        // sandbox, so the file is copied into a folder of its own.
        var folder = Directory.CreateDirectory(Path.Combine(runDirectory, "in")).FullName;
        File.Copy(inputPath, Path.Combine(folder, Path.GetFileName(inputPath)));
        return folder;
    }

    private void RemoveRunDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException exception)
        {
            SandboxLog.WorkFolderNotRemoved(_logger, path, exception);
        }
        catch (UnauthorizedAccessException exception)
        {
            SandboxLog.WorkFolderNotRemoved(_logger, path, exception);
        }
    }

    public void Dispose()
    {
        _childProcess?.Dispose();
        _inProcess.Dispose();
    }
}
