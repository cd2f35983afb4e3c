using System.Collections.Concurrent;
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
    private readonly ModuleCache _cache;
    // The engine sandbox hosts compile with, for modules compiled here ahead of their runs in hosts.
    private readonly Lazy<WasiEngine> _hostEngine = new(() => new WasiEngine(epochInterruption: false, fuel: false));
    // Compilations ahead under way, by module sha256: a run of the module waits for its compilation rather than making another.
    private readonly ConcurrentDictionary<string, Task<ModuleSource?>> _preparing = new(StringComparer.Ordinal);

    public SandboxRunner(SandboxOptions options, ILogger<SandboxRunner>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        SandboxOptionsValidator.ThrowIfInvalid(options);
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _cache = new ModuleCache(options.ModuleCacheDirectory, options.MemoryCacheEntries, new ModuleCacheLogger(_logger));
        _inProcess = new InProcessExecutor(_cache);
        // Hosts killed at a time limit while writing compiled code leave temporary files; an hour old, nobody writes them.
        ModuleCache.RemoveAbandonedWrites(options.ModuleCacheDirectory, TimeSpan.FromHours(1));
        TrimCache();
        _childProcess = options.Isolation == SandboxIsolation.ChildProcess ? new ChildProcessExecutor(options, _logger, _time) : null;
        _folders = new RunFolderPool(options.WorkDirectory, _logger);
    }

    /// <summary>
    /// Where the compiled code of this runner's runs came from, in this process and in its hosts; the compilations made by
    /// <see cref="PrepareAsync"/> count among <see cref="ModuleCacheStatistics.Compilations"/>.
    /// </summary>
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
        var mounts = CheckMounts(request.ReadOnlyMounts);
        var wasm = ReadModule(request);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(wasm));
        cancellationToken.ThrowIfCancellationRequested();
        if (_preparing.TryGetValue(PreparationKey(sha256, limits.Fuel is not null), out var preparing))
        {
            // Compiled ahead right now: waiting costs less than compiling it a second time. Whatever went wrong there, the run reports.
            try
            {
                await preparing.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
            }
        }

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
                mounts,
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
                ModuleLoadTime = outcome.LoadTime,
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
    /// Compiles the module ahead of its runs (a worker calls it once a module is assigned, while the inputs download), for
    /// the engine a run with <paramref name="limits"/> (null: the defaults) uses, and writes it to the module cache folder
    /// where this runner's sandbox hosts load it; in process it is also kept in memory. Returns where the compiled module
    /// was: <see cref="ModuleSource.Compiled"/> when compiled now, a cache when it was there already; null when the file is
    /// not a valid module (its run reports why). A compilation cannot be stopped once started: cancellation only keeps
    /// one from starting. Missing file: <see cref="IOException"/>.
    /// </summary>
    public async Task<ModuleSource?> PrepareAsync(string modulePath, SandboxLimits? limits = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(modulePath);
        var wasm = await File.ReadAllBytesAsync(modulePath, cancellationToken).ConfigureAwait(false);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(wasm));
        var fuel = (limits ?? _options.DefaultLimits()).Fuel is not null;
        var inHost = !fuel && _childProcess is not null;
        cancellationToken.ThrowIfCancellationRequested();

        var key = PreparationKey(sha256, fuel);
        var completion = new TaskCompletionSource<ModuleSource?>(TaskCreationOptions.RunContinuationsAsynchronously);
        while (!_preparing.TryAdd(key, completion.Task))
        {
            if (_preparing.TryGetValue(key, out var other))
            {
                return await other.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        try
        {
            var source = await Task.Run(() => Prepare(wasm, sha256, fuel, inHost), CancellationToken.None).ConfigureAwait(false);
            completion.SetResult(source);
            return source;
        }
        catch (Exception exception)
        {
            completion.SetException(exception);
            throw;
        }
        finally
        {
            _preparing.TryRemove(key, out _);
        }
    }

    /// <summary>Compilations ahead are told apart by module and by the engine they compile for.</summary>
    private static string PreparationKey(string sha256, bool fuel) => (fuel ? "fuel/" : "plain/") + sha256;

    private ModuleSource? Prepare(byte[] wasm, string sha256, bool fuel, bool inHost)
    {
        ModuleSource source;
        try
        {
            var binary = ModuleExecution.ToBinary(wasm);
            source = inHost ? _cache.Prepare(_hostEngine.Value, binary, sha256, keepInMemory: false) : _inProcess.Prepare(binary, sha256, fuel);
        }
        catch (Wasmtime.WasmtimeException)
        {
            return null;
        }
        if (source == ModuleSource.Compiled)
        {
            _loads.Count(ModuleSource.Compiled);
            TrimCache();
        }
        return source;
    }

    /// <summary>Keeps the folder of compiled modules within its bound, least recently used out first.</summary>
    private void TrimCache()
    {
        try
        {
            ModuleCache.Trim(_options.ModuleCacheDirectory, _options.ModuleCacheMaxBytes);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The cache only saves time: a folder that cannot be listed now is trimmed after a later compilation.
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
        if (outcome.Source == ModuleSource.Compiled)
        {
            TrimCache();
        }

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

    /// <summary>The read-only mounts as (guest path, host folder): each guest path a plain one of its own, each folder there.</summary>
    private static KeyValuePair<string, string>[] CheckMounts(IReadOnlyList<ReadOnlyMount> mounts)
    {
        var checkedMounts = new List<KeyValuePair<string, string>>();
        foreach (var mount in mounts)
        {
            if (Apps.AppManifest.CheckMount(mount.GuestPath) is { } problem)
                throw new ArgumentException($"read-only mount '{mount.GuestPath}' {problem}", nameof(mounts));
            if (checkedMounts.Any(other => other.Key == mount.GuestPath
                || other.Key.StartsWith(mount.GuestPath + "/", StringComparison.Ordinal) || mount.GuestPath.StartsWith(other.Key + "/", StringComparison.Ordinal)))
                throw new ArgumentException($"read-only mount '{mount.GuestPath}' is used twice or nested in another", nameof(mounts));
            if (!Directory.Exists(mount.HostPath))
                throw new DirectoryNotFoundException($"the folder '{mount.HostPath}' to show at {mount.GuestPath} does not exist");
            checkedMounts.Add(new(mount.GuestPath, Path.GetFullPath(mount.HostPath)));
        }
        return [.. checkedMounts];
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
        if (_hostEngine.IsValueCreated)
        {
            _hostEngine.Value.Dispose();
        }
        _folders.Dispose();
    }
}
