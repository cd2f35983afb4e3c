using System.Diagnostics;
using System.Text.Json.Serialization;

namespace Hearth.Sandbox;

/// <summary>Median wall times of the same Mandelbrot render in the sandbox and natively.</summary>
public sealed record SandboxOverheadResult(
    [property: JsonPropertyName("sandbox_ms")] double SandboxMs,
    [property: JsonPropertyName("native_ms")] double NativeMs,
    [property: JsonPropertyName("ratio")] double Ratio);

/// <summary>
/// Measures what the sandbox costs over native code: the Mandelbrot sample
/// (apps/mandelbrot) built for WASI and with gcc -O2 from the same source, run
/// alternately so both see the same machine load. The sandbox run has its memory
/// and time limits on and no fuel, as a worker runs it, in the runner it is given (by
/// default a sandbox host process: <see cref="SandboxIsolation.ChildProcess"/>); its
/// time covers the whole <see cref="SandboxRunner.RunAsync"/> call (host from the pool,
/// module from cache, folders, archive), the native time the whole process.
/// </summary>
public sealed class SandboxOverheadBenchmark(SandboxRunner runner)
{
    /// <summary>Tile 0,0 of 1, 1024×1024 pixels, 2000 iterations: about a second of work.</summary>
    public static readonly IReadOnlyList<string> DefaultMandelbrotArguments = ["0", "0", "1", "1024", "2000"];

    public async Task<SandboxOverheadResult> RunAsync(
        string mandelbrotWasmPath,
        string mandelbrotNativePath,
        int repetitions = 5,
        IReadOnlyList<string>? arguments = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(repetitions, 1);
        arguments ??= DefaultMandelbrotArguments;
        var request = new SandboxRequest
        {
            ModulePath = mandelbrotWasmPath,
            ProgramName = "mandelbrot",
            Arguments = arguments,
            Limits = new SandboxLimits
            {
                MemoryBytes = 256L * 1024 * 1024,
                WallTime = TimeSpan.FromMinutes(5),
                OutputBytes = 256L * 1024 * 1024,
                OutputEntries = 100,
                ConsoleCaptureBytes = 4096,
            },
        };

        // One untimed run each: compiles (or loads) the module and warms the file cache.
        await RunSandboxAsync(request, cancellationToken).ConfigureAwait(false);
        await RunNativeAsync(mandelbrotNativePath, arguments, cancellationToken).ConfigureAwait(false);

        var sandbox = new List<double>();
        var native = new List<double>();
        for (var i = 0; i < repetitions; i++)
        {
            sandbox.Add(await RunSandboxAsync(request, cancellationToken).ConfigureAwait(false));
            native.Add(await RunNativeAsync(mandelbrotNativePath, arguments, cancellationToken).ConfigureAwait(false));
        }
        var sandboxMs = Median(sandbox);
        var nativeMs = Median(native);
        return new SandboxOverheadResult(Math.Round(sandboxMs, 1), Math.Round(nativeMs, 1), Math.Round(sandboxMs / nativeMs, 3));
    }

    private async Task<double> RunSandboxAsync(SandboxRequest request, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var result = await runner.RunAsync(request, cancellationToken).ConfigureAwait(false);
        var elapsed = stopwatch.Elapsed.TotalMilliseconds;
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"the sandboxed Mandelbrot failed: {result.Failure}: {result.FailureReason}");
        }
        return elapsed;
    }

    private static async Task<double> RunNativeAsync(string path, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var output = Directory.CreateTempSubdirectory("hearth-bench-").FullName;
        try
        {
            var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }
            start.ArgumentList.Add(output);
            var stopwatch = Stopwatch.StartNew();
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {path}");
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            var elapsed = stopwatch.Elapsed.TotalMilliseconds;
            await stdout.ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"the native Mandelbrot exited with code {process.ExitCode}");
            }
            return elapsed;
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        var middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }
}
