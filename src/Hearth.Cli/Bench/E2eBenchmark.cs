using System.Diagnostics;
using System.Text.Json;
using Hearth.Market.Client;
using Hearth.Network;
using Hearth.Network.Requesting;
using Hearth.Sandbox;

namespace Hearth.Cli.Bench;

/// <summary>
/// `hearth bench e2e`: on a local network (instant mining, 4 workers), the latency of one trivial task from the deal's
/// transaction to its result on chain (20 runs), the throughput of a 2,000-task deal settled on chain (after a 1,000-task warm-up deal), and the sandbox's
/// overhead on the Mandelbrot sample against the same C built natively, measured side by side.
/// </summary>
public static class E2eBenchmark
{
    private const int WarmupTasks = 3_000;
    public const int DefaultSlots = 32;

    /// <summary>Set to <c>module-cold-start</c>, <c>bench e2e</c> runs that scenario alone.</summary>
    public const string OnlyVariable = "HEARTH_BENCH_E2E_ONLY";

    public static async Task RunAsync(TextWriter output, int latencyRuns, int throughputTasks, int slots, CancellationToken ct)
    {
        if (Environment.GetEnvironmentVariable(OnlyVariable) == "module-cold-start")
        {
            await Print(output, await ModuleColdStartAsync(ct));
            return;
        }
        await using (var net = await LocalNetwork.StartAsync(new LocalNetworkOptions { Workers = 4, SlotsPerWorker = slots }, ct))
        {
            var requester = net.Chain.Client(DevAccounts.Requester);
            var session = new RequesterSession(requester, new MarketClient(new HttpClient { BaseAddress = new Uri(net.MarketUrl + "/") }))
            {
                PollInterval = TimeSpan.FromMilliseconds(10),
            };
            var app = net.Apps.Single(a => a.Name == "hello-as").Id;
            await Print(output, await LatencyAsync(session, app, latencyRuns, ct));
            // Each poll of a big deal reads only the blocks since the previous one; the clock stops when the follower sees the
            // last settlement, so the interval bounds how late it stops.
            var follower = new RequesterSession(requester, new MarketClient(new HttpClient { BaseAddress = new Uri(net.MarketUrl + "/") }))
            {
                PollInterval = TimeSpan.FromMilliseconds(50),
            };
            // A scheduler runs for days, and a fresh process spends its first tens of seconds compiling code (the JIT's
            // tiers): a warm-up deal runs first, and its figure is printed along with the measured one.
            var warmup = await ThroughputAsync(follower, app, WarmupTasks, ct);
            var measured = await ThroughputAsync(follower, app, throughputTasks, ct);
            await Print(output, new
            {
                scenario = "throughput", tasks = throughputTasks, settled = measured.Settled, workers = 4, slots, seconds = measured.Seconds, tasks_per_s = measured.TasksPerSecond,
                cpu_ms_per_task = measured.CpuMsPerTask, warmup_tasks = warmup.Tasks, warmup_tasks_per_s = warmup.TasksPerSecond,
            });
        }
        await Print(output, await SandboxOverheadAsync(ct));
        await Print(output, await ModuleColdStartAsync(ct));
    }

    /// <summary>A 30 MiB module compiled cold in a sandbox host, then loaded from the module cache by new runners (median of 5).</summary>
    private static async Task<object> ModuleColdStartAsync(CancellationToken ct)
    {
        var result = await ModuleColdStartBenchmark.RunAsync(cancellationToken: ct);
        return new
        {
            scenario = "module-cold-start", module_bytes = result.ModuleBytes, compile_ms = result.CompileMs, cached_ms = result.CachedMs,
            cached_runs = result.CachedRuns, cached_run_ms = result.CachedRunMs,
        };
    }

    private static async Task<object> LatencyAsync(RequesterSession session, System.Numerics.BigInteger app, int runs, CancellationToken ct)
    {
        var request = new RunRequest { App = app, Volume = 1, Params = "bench" };
        var choice = await session.ChooseAsync(request, ct);
        await RunOnceAsync(session, request, choice, ct); // warm-up: compiled module cache, connections
        var samples = new List<double>();
        for (var i = 0; i < runs; i++) samples.Add(await RunOnceAsync(session, request, choice, ct));
        samples.Sort();
        return new { scenario = "e2e-latency", runs, p50_ms = Percentile(samples, 0.50), p95_ms = Percentile(samples, 0.95), min_ms = samples[0], max_ms = samples[^1] };
    }

    /// <summary>Milliseconds from the mined deal to its task settled on chain.</summary>
    private static async Task<double> RunOnceAsync(RequesterSession session, RunRequest request, OrderChoice choice, CancellationToken ct)
    {
        var match = await session.MatchAsync(request, choice, ct);
        var clock = Stopwatch.StartNew();
        var progress = await session.FollowAsync(match.DealId, match.Deal, null, ct);
        if (progress.Settled.Count != 1) throw new InvalidOperationException($"deal {match.DealId} was not settled");
        return Math.Round(clock.Elapsed.TotalMilliseconds, 1);
    }

    /// <param name="CpuMsPerTask">CPU of every process of the network (this one, anvil, the sandbox hosts) per settled task.</param>
    private sealed record Throughput(int Tasks, int Settled, double Seconds, double TasksPerSecond, double CpuMsPerTask);

    /// <summary>One deal of <paramref name="tasks"/> tasks, from its mined match to its last task settled on chain.</summary>
    private static async Task<Throughput> ThroughputAsync(RequesterSession session, System.Numerics.BigInteger app, int tasks, CancellationToken ct)
    {
        var request = new RunRequest { App = app, Volume = tasks, Params = "bench" };
        var choice = await session.ChooseAsync(request, ct);
        var match = await session.MatchAsync(request, choice, ct);
        var clock = Stopwatch.StartNew();
        var cpu = ProcessTreeCpu.Now();
        var progress = await session.FollowAsync(match.DealId, match.Deal, null, ct);
        var seconds = clock.Elapsed.TotalSeconds;
        var cpuMs = (ProcessTreeCpu.Now() - cpu).TotalMilliseconds;
        var settled = progress.Settled.Count;
        return new Throughput(tasks, settled, Math.Round(seconds, 2), Math.Round(settled / seconds, 1), Math.Round(cpuMs / Math.Max(1, settled), 2));
    }

    private static async Task<object> SandboxOverheadAsync(CancellationToken ct)
    {
        var apps = Path.GetDirectoryName(Path.GetFullPath(Path.Combine(FindApps(), "mandelbrot", "build", "x")))!;
        using var runner = new SandboxRunner(new SandboxOptions());
        var result = await new SandboxOverheadBenchmark(runner).RunAsync(Path.Combine(apps, "mandelbrot.wasm"), Path.Combine(apps, "mandelbrot-native"), 3, cancellationToken: ct);
        return new { scenario = "sandbox-overhead", sandbox_ms = result.SandboxMs, native_ms = result.NativeMs, ratio = result.Ratio };
    }

    private static string FindApps()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "apps", "build.sh"))) return Path.Combine(dir.FullName, "apps");
        throw new DirectoryNotFoundException("the apps folder was not found above the current folder");
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static Task Print(TextWriter output, object figure) => output.WriteLineAsync(JsonSerializer.Serialize(figure));
}
