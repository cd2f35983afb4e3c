using System.Security.Cryptography;
using Hearth.Sandbox.ChildProcess;
using Hearth.Sandbox.Execution;
using Hearth.Sandbox.InProcess;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hearth.Sandbox;

/// <summary>
/// Runs WASI preview1 command modules under Wasmtime: the dataset read-only at /in,
/// a fresh empty /out, a fresh empty /tmp (scratch space, never archived), the request's
/// arguments and environment, nothing else of the host (no network, no other files),
/// within memory, time, output, scratch and optional fuel limits; and packs /out into a
/// deterministic archive. Unmetered runs go to sandbox
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
    private readonly RunFolderPool _folders;

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
        _childProcess = options.Isolation == SandboxIsolation.ChildProcess ? new ChildProcessExecutor(options, _logger, _time) : null;
        _folders = new RunFolderPool(options.WorkDirectory, _logger);
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
        var wasm = ReadModule(request);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(wasm));
        cancellationToken.ThrowIfCancellationRequested();

        var folder = _folders.Rent();
        var reusable = false;
        try
        {
            var invocation = new ModuleInvocation(
                wasm,
                sha256,
                request.ProgramName,
                request.Arguments,
                [.. request.Environment.OrderBy(pair => pair.Key, StringComparer.Ordinal)],
                PrepareInput(request.InputPath, folder),
                folder.Output,
                folder.Scratch,
                limits.MemoryBytes,
                limits.Fuel,
                limits.ConsoleCaptureBytes);

            var (outcome, stdout, stderr) = await ExecuteAsync(invocation, limits, cancellationToken).ConfigureAwait(false);
            var (failure, reason) = (outcome.Failure, outcome.Reason);
            // After a stop or a host's failure the folder may be in any state, or still written to: it goes.
            reusable = failure is not (SandboxFailureKind.Timeout or SandboxFailureKind.OutputTooLarge or SandboxFailureKind.HostFailed);
            byte[] archive = [];
            string? archiveSha256 = null, archivePath = null;
            long archiveLength = 0;
            if (failure is not SandboxFailureKind.InvalidModule and not SandboxFailureKind.OutputTooLarge and not SandboxFailureKind.HostFailed)
            {
                // /tmp is never archived, but what the module left there counts against its limit as /out's does: a
                // module that ends before the guard's next look is judged the same as one the guard stopped.
                var scratch = OutputScanner.Scratch(folder.Scratch, limits.ScratchBytes, limits.ScratchEntries);
                var scan = scratch.LimitExceeded is null
                    ? OutputScanner.Run(folder.Output, limits.OutputBytes, limits.OutputEntries, collect: true)
                    : scratch;
                if (scan.LimitExceeded is { } exceeded)
                {
                    (failure, reason) = (SandboxFailureKind.OutputTooLarge, exceeded);
                }
                else if (failure == SandboxFailureKind.None && scan.Entries.Any(e => IsReserved(e.RelativePath)))
                {
                    (failure, reason) = (SandboxFailureKind.OutputRejected, $"/out/{ReservedOutputName} is kept for the records of failed runs: a program may not write it");
                }
                else if (request.ArchivePath is { } path)
                {
                    // Streamed to its file and hashed on the way: never the whole archive in memory.
                    (archiveLength, archiveSha256) = DeterministicTar.WriteFile(scan.Entries, path, cancellationToken);
                    archivePath = path;
                }
                else
                {
                    (archive, archiveSha256) = DeterministicTar.Write(scan.Entries, cancellationToken);
                    archiveLength = archive.Length;
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
                OutputArchivePath = archivePath,
                OutputArchiveLength = archiveLength,
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
            _folders.Return(folder, reusable);
        }
    }

    /// <summary>
    /// The name at the top of /out that a successful run may not use: the worker writes the record of a run that failed
    /// by the program's own doing there (Hearth.Protocol.Deals.AppFailure.Folder), so no result can pass for one.
    /// </summary>
    public const string ReservedOutputName = ".hearth";

    private static bool IsReserved(string relativePath) =>
        relativePath == ReservedOutputName || relativePath.StartsWith(ReservedOutputName + "/", StringComparison.Ordinal);

    /// <summary>
    /// Packs a folder the caller wrote (never a module's /out) into a deterministic archive streamed to
    /// <paramref name="archivePath"/>, within the default output limits; returns its length and sha256 (hex).
    /// </summary>
    public (long Length, string Sha256) Pack(string folder, string archivePath, CancellationToken cancellationToken = default)
    {
        var limits = _options.DefaultLimits();
        var scan = OutputScanner.Run(folder, limits.OutputBytes, limits.OutputEntries, collect: true);
        if (scan.LimitExceeded is { } exceeded) throw new ArgumentException($"cannot pack {folder}: {exceeded}", nameof(folder));
        return DeterministicTar.WriteFile(scan.Entries, archivePath, cancellationToken);
    }

    /// <summary>Runs the module where it belongs, under a guard; a stop the guard made explains the outcome.</summary>
    private async Task<(ModuleOutcome Outcome, ConsoleCapture Stdout, ConsoleCapture Stderr)> ExecuteAsync(
        ModuleInvocation invocation, SandboxLimits limits, CancellationToken cancellationToken)
    {
        // Fuel already instruments the code as epoch interruption does, so metered runs gain nothing from a host.
        var where = invocation.Fuel is null && _childProcess is not null ? SandboxIsolation.ChildProcess : SandboxIsolation.InProcess;
        IModuleExecutor executor = where == SandboxIsolation.ChildProcess ? _childProcess! : _inProcess;
        SandboxLog.RunStarting(_logger, invocation.ModuleSha256, where, limits.MemoryBytes, limits.WallTime, limits.Fuel);

        var guard = new RunGuard(_time, limits, invocation.OutputDirectory, invocation.ScratchDirectory, TimeSpan.FromMilliseconds(_options.CheckIntervalMilliseconds), cancellationToken);
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

    private static byte[] ReadModule(SandboxRequest request) => (request.ModuleBytes, request.ModulePath) switch
    {
        ({ } bytes, null) => bytes.ToArray(),
        (null, { } path) => File.ReadAllBytes(path),
        _ => throw new ArgumentException("set exactly one of ModuleBytes and ModulePath", nameof(request)),
    };

    /// <summary>The host folder shown at /in: the dataset folder itself, a copy of a single-file dataset, or the run's empty in/.</summary>
    private static string PrepareInput(string? inputPath, RunFolder folder)
    {
        if (inputPath is null)
        {
            return folder.Input;
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
        File.Copy(inputPath, Path.Combine(folder.Input, Path.GetFileName(inputPath)));
        return folder.Input;
    }

    public void Dispose()
    {
        _childProcess?.Dispose();
        _inProcess.Dispose();
        _folders.Dispose();
    }
}
