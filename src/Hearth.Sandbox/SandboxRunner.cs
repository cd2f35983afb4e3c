using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Wasmtime;

namespace Hearth.Sandbox;

/// <summary>
/// Runs WASI preview1 command modules under Wasmtime: the dataset read-only at /in,
/// a fresh empty /out, the request's arguments and environment, nothing else of the
/// host (no network, no other files), within memory, time, output and optional fuel
/// limits; and packs /out into a deterministic archive. Safe to share between
/// concurrent runs.
/// </summary>
public sealed class SandboxRunner : IDisposable
{
    // Wasm frames live on the native stack of the thread that calls in; a
    // dedicated thread also keeps a long run off the thread pool.
    private const int ThreadStackBytes = 16 * 1024 * 1024;

    private readonly SandboxOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SandboxEngines _engines = new();
    private readonly ModuleCache _cache;

    public SandboxRunner(SandboxOptions options, ILogger<SandboxRunner>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        SandboxOptionsValidator.ThrowIfInvalid(options);
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _cache = new ModuleCache(options.ModuleCacheDirectory, options.MemoryCacheEntries, _logger);
    }

    public ModuleCacheStatistics CacheStatistics => _cache.Statistics;

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
            var inDirectory = PrepareInput(request.InputPath, runDirectory);
            using var guard = new RunGuard(_engines, _time, limits, outDirectory, TimeSpan.FromMilliseconds(_options.CheckIntervalMilliseconds));
            var stdout = new ConsoleCapture(limits.ConsoleCaptureBytes, guard.OnConsoleWritten);
            var stderr = new ConsoleCapture(limits.ConsoleCaptureBytes, guard.OnConsoleWritten);

            var wasi = new WasiConfiguration()
                .WithArgs([request.ProgramName, .. request.Arguments])
                .WithEnvironmentVariables(request.Environment
                    .OrderBy(pair => pair.Key, StringComparer.Ordinal)
                    .Select(pair => (pair.Key, pair.Value)))
                .WithPreopenedDirectory(inDirectory, "/in", mutable: false)
                .WithPreopenedDirectory(outDirectory, "/out", mutable: true)
                .WithStandardOutputCallback(stdout.Write)
                .WithStandardErrorCallback(stderr.Write);

            var (outcome, source) = await OnDedicatedThread(
                () => Execute(wasm, sha256, limits, wasi, guard, cancellationToken)).ConfigureAwait(false);
            if (outcome.Cancelled)
            {
                SandboxLog.RunCancelled(_logger, sha256);
                throw new OperationCanceledException("the sandbox run was cancelled", cancellationToken);
            }

            var (failure, reason) = (outcome.Failure, outcome.Reason);
            byte[] archive = [];
            string? archiveSha256 = null;
            if (failure is not SandboxFailureKind.InvalidModule and not SandboxFailureKind.OutputTooLarge)
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
                ModuleSource = source,
                ModuleSha256 = sha256,
            };
            if (result.Succeeded)
            {
                SandboxLog.RunSucceeded(_logger, sha256, (long)result.WallTime.TotalMilliseconds, archiveSha256);
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

    private (ModuleOutcome Outcome, ModuleSource Source) Execute(
        byte[] wasm, string sha256, SandboxLimits limits, WasiConfiguration wasi, RunGuard guard, CancellationToken cancellationToken)
    {
        var fuel = limits.Fuel is not null;
        var engine = _engines.Get(fuel);
        Module module;
        ModuleSource source;
        try
        {
            module = _cache.GetOrLoad(engine, SandboxEngines.Key(fuel), ToBinary(wasm), sha256, out source);
        }
        catch (WasmtimeException exception)
        {
            var message = exception.Message.Split('\n', 2)[0].Trim();
            return (new ModuleOutcome(SandboxFailureKind.InvalidModule, $"not a valid WebAssembly module: {message}", null, null, default, false), ModuleSource.Compiled);
        }
        SandboxLog.RunStarting(_logger, sha256, source, limits.MemoryBytes, limits.WallTime, limits.Fuel);
        return (ModuleRun.Execute(engine, module, limits, wasi, guard, cancellationToken), source);
    }

    /// <summary>Binary modules pass as they are; anything else is tried as the text format (WAT).</summary>
    private static byte[] ToBinary(byte[] wasm) =>
        wasm.AsSpan().StartsWith("\0asm"u8) ? wasm : Module.ConvertText(Encoding.UTF8.GetString(wasm));

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

    private static Task<T> OnDedicatedThread<T>(Func<T> work)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                completion.SetResult(work());
            }
            catch (Exception exception)
            {
                completion.SetException(exception);
            }
        }, ThreadStackBytes)
        {
            IsBackground = true,
            Name = "hearth-sandbox",
        };
        thread.Start();
        return completion.Task;
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

    public void Dispose() => _engines.Dispose();
}
