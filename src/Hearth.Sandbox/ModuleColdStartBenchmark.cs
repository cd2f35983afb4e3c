using System.Text.Json.Serialization;

namespace Hearth.Sandbox;

/// <summary>What a large module costs on its first run on a worker and on later ones.</summary>
/// <param name="ModuleBytes">Size of the module.</param>
/// <param name="CompileMs">The first run's load: compiling it in a sandbox host with an empty cache, and writing the cache file.</param>
/// <param name="CachedMs">Median load of a later run: a fresh runner and sandbox host deserializing it from the cache folder.</param>
/// <param name="CachedRunMs">Median of the whole of those later runs (a host started, the module sent to it, loaded, run, /out packed).</param>
public sealed record ModuleColdStartResult(
    [property: JsonPropertyName("module_bytes")] long ModuleBytes,
    [property: JsonPropertyName("compile_ms")] double CompileMs,
    [property: JsonPropertyName("cached_ms")] double CachedMs,
    [property: JsonPropertyName("cached_runs")] int CachedRuns,
    [property: JsonPropertyName("cached_run_ms")] double CachedRunMs);

/// <summary>
/// Compiles a <see cref="LargeModule"/> cold (an empty module cache folder) in a sandbox host, as a worker's first
/// run of it does, then runs it again from new runners over the same folder (each with a host process of its own, so
/// nothing is in memory: what a restarted worker or a new host does) and takes the median of their loads. The loads
/// are measured inside the host (<see cref="SandboxResult.ModuleLoadTime"/>). Uses, and deletes, a folder of its own.
/// </summary>
public static class ModuleColdStartBenchmark
{
    /// <summary>14 MiB of code and 16 MiB of data: a 30 MiB module.</summary>
    public const int DefaultCodeBytes = 14 << 20;

    public const int DefaultDataBytes = 16 << 20;

    public static async Task<ModuleColdStartResult> RunAsync(
        int codeBytes = DefaultCodeBytes, int dataBytes = DefaultDataBytes, int cachedRuns = 5, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cachedRuns, 1);
        var root = Directory.CreateTempSubdirectory("hearth-cold-start-").FullName;
        try
        {
            var modulePath = Path.Combine(root, "large.wasm");
            await File.WriteAllBytesAsync(modulePath, LargeModule.Generate(codeBytes, dataBytes), cancellationToken).ConfigureAwait(false);
            var options = new SandboxOptions
            {
                ModuleCacheDirectory = Path.Combine(root, "module-cache"),
                WorkDirectory = Path.Combine(root, "runs"),
                HostPoolSize = 1,
            };
            var request = new SandboxRequest
            {
                ModulePath = modulePath,
                ProgramName = "large",
                Limits = new SandboxLimits
                {
                    MemoryBytes = 256L * 1024 * 1024,
                    WallTime = TimeSpan.FromMinutes(10),
                    OutputBytes = 1024 * 1024,
                    OutputEntries = 10,
                    ConsoleCaptureBytes = 4096,
                },
            };

            double compileMs;
            using (var runner = new SandboxRunner(options))
            {
                compileMs = Load(await runner.RunAsync(request, cancellationToken).ConfigureAwait(false), ModuleSource.Compiled).LoadMs;
            }
            var loads = new List<double>();
            var runs = new List<double>();
            for (var i = 0; i < cachedRuns; i++)
            {
                using var runner = new SandboxRunner(options);
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                var result = await runner.RunAsync(request, cancellationToken).ConfigureAwait(false);
                runs.Add(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                loads.Add(Load(result, ModuleSource.DiskCache).LoadMs);
            }
            return new ModuleColdStartResult(
                new FileInfo(modulePath).Length, Math.Round(compileMs, 1), Math.Round(Median(loads), 1), cachedRuns, Math.Round(Median(runs), 1));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static (ModuleSource Source, double LoadMs) Load(SandboxResult result, ModuleSource expected)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"the large module failed: {result.Failure}: {result.FailureReason}");
        }
        if (result.ModuleSource != expected)
        {
            throw new InvalidOperationException($"the large module came from {result.ModuleSource}, expected {expected}");
        }
        return (result.ModuleSource, result.ModuleLoadTime.TotalMilliseconds);
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        var middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }
}
