using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Hearth.Sandbox.ChildProcess;
using Hearth.Sandbox.Execution;
using Hearth.Sandbox.Execution.Protocol;

namespace Hearth.Sandbox.Tests;

/// <summary>
/// Runs in sandbox host processes: a host serves run after run, a stop ends its process
/// (also in a host call), a crash is a clear failure, and a fresh host takes the next run.
/// Each test has a runner of its own, so the pool holds only what the test did.
/// </summary>
public sealed class SandboxHostTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    private const string EndlessLoop = """(module (memory (export "memory") 1) (func (export "_start") (loop $forever (br $forever))))""";
    private const string DoNothing = """(module (memory (export "memory") 1) (func (export "_start")))""";

    private SandboxRunner NewRunner(string name) => new(fixture.NewOptions(name));

    [Fact]
    public async Task A_host_serves_run_after_run()
    {
        using var runner = NewRunner("host-reuse");

        var first = await runner.RunAsync(SandboxFixture.Wat(DoNothing));
        var servedFirst = runner.Hosts!.IdleProcessIds[0];
        // Back to back: the next run arrives as soon as the host answered the last one.
        var next = new List<SandboxResult>();
        for (var i = 0; i < 50; i++)
        {
            next.Add(await runner.RunAsync(SandboxFixture.Wat(DoNothing)));
        }

        Assert.True(first.Succeeded, first.FailureReason);
        Assert.All(next, result => Assert.True(result.Succeeded, result.FailureReason));
        Assert.All(next, result => Assert.Equal(ModuleSource.MemoryCache, result.ModuleSource));
        Assert.Equal(servedFirst, runner.Hosts.IdleProcessIds[0]);
    }

    [Fact]
    public async Task The_time_limit_ends_the_host_and_a_fresh_one_takes_the_next_run()
    {
        using var runner = NewRunner("host-timeout");
        await runner.RunAsync(SandboxFixture.Wat(DoNothing));
        var host = runner.Hosts!.IdleProcessIds[0];

        var result = await runner.RunAsync(SandboxFixture.Wat(EndlessLoop, SandboxFixture.Limits(wallTimeMs: 300)));
        var next = await runner.RunAsync(SandboxFixture.Wat(DoNothing));

        Assert.Equal(SandboxFailureKind.Timeout, result.Failure);
        Assert.Equal("wall-time limit of 300 ms exceeded", result.FailureReason);
        Assert.InRange(result.WallTime, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(5));
        Assert.True(await HostWaits.HasExitedAsync(host));
        Assert.DoesNotContain(host, runner.Hosts.LiveProcessIds);
        Assert.True(next.Succeeded, next.FailureReason);
        Assert.NotEqual(host, runner.Hosts.IdleProcessIds[0]);
    }

    [Fact]
    public async Task Cancellation_ends_the_host()
    {
        using var runner = NewRunner("host-cancel");
        await runner.RunAsync(SandboxFixture.Wat(DoNothing));
        var host = runner.Hosts!.IdleProcessIds[0];
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var stopwatch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.RunAsync(SandboxFixture.Wat(EndlessLoop), cancellation.Token));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed}");
        Assert.True(await HostWaits.HasExitedAsync(host));
        Assert.True((await runner.RunAsync(SandboxFixture.Wat(DoNothing))).Succeeded);
    }

    [Fact]
    public async Task A_module_sleeping_in_a_host_call_is_stopped_at_the_time_limit()
    {
        var stopwatch = Stopwatch.StartNew();
        var result = await fixture.Runner.RunAsync(new SandboxRequest
        {
            ModulePath = SandboxFixture.Hostile("sleeper"),
            Arguments = ["5"],
            Limits = SandboxFixture.Limits(wallTimeMs: 500),
        });

        Assert.Equal(SandboxFailureKind.Timeout, result.Failure);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(3), $"took {stopwatch.Elapsed}, the sleep was not cut short");
        // What the module wrote before it was stopped reached the runner before the host ended.
        Assert.Equal("sleeping 5 s\n", SandboxFixture.Text(result.Stdout));
    }

    [Fact]
    public async Task A_host_that_dies_during_a_run_fails_it_clearly_and_is_replaced()
    {
        using var runner = NewRunner("host-crash");
        var run = runner.RunAsync(SandboxFixture.Wat(EndlessLoop, SandboxFixture.Limits(wallTimeMs: 60_000)));
        var serving = await HostWaits.ServingHostsAsync(runner, count: 1);

        Process.GetProcessById(serving[0]).Kill();
        var result = await run.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(SandboxFailureKind.HostFailed, result.Failure);
        Assert.Equal("the sandbox host process exited unexpectedly (code 137)", result.FailureReason);
        Assert.DoesNotContain(serving[0], runner.Hosts!.LiveProcessIds);
        Assert.True((await runner.RunAsync(SandboxFixture.Wat(DoNothing))).Succeeded);
    }

    [Fact]
    public async Task Concurrent_runs_use_separate_hosts()
    {
        using var runner = NewRunner("host-concurrent");
        SandboxRequest Sleep() => new()
        {
            ModulePath = SandboxFixture.Hostile("sleeper"),
            Arguments = ["2"],
            Limits = SandboxFixture.Limits(),
        };

        var runs = new[] { runner.RunAsync(Sleep()), runner.RunAsync(Sleep()) };
        var serving = await HostWaits.ServingHostsAsync(runner, count: 2);
        var results = await Task.WhenAll(runs);

        Assert.Equal(2, serving.Distinct().Count());
        Assert.All(results, result => Assert.True(result.Succeeded, result.FailureReason));
        Assert.All(results, result => Assert.Equal("sleeping 2 s\nwoke up\n", SandboxFixture.Text(result.Stdout)));
    }

    [Fact]
    public async Task Metered_runs_stay_in_process()
    {
        using var runner = NewRunner("host-metered");

        var result = await runner.RunAsync(SandboxFixture.Wat(DoNothing, SandboxFixture.Limits(fuel: 1_000_000)));

        Assert.True(result.Succeeded, result.FailureReason);
        Assert.NotNull(result.FuelConsumed);
        Assert.Empty(runner.Hosts!.LiveProcessIds);
    }

    [Fact]
    public async Task Disposing_the_runner_ends_its_hosts()
    {
        var runner = NewRunner("host-dispose");
        await runner.RunAsync(SandboxFixture.Wat(DoNothing));
        var hosts = runner.Hosts!.LiveProcessIds;

        runner.Dispose();

        Assert.NotEmpty(hosts);
        foreach (var host in hosts)
        {
            Assert.True(await HostWaits.HasExitedAsync(host), $"host {host} still runs");
        }
        await Assert.ThrowsAsync<ObjectDisposedException>(() => runner.RunAsync(SandboxFixture.Wat(DoNothing)));
    }

    [Fact]
    public async Task A_host_ends_when_its_runner_goes_away_even_during_a_run()
    {
        var options = fixture.NewOptions("host-orphan");
        using var host = Process.Start(new SandboxHostLauncher(options).StartInfo())!;
        try
        {
            var toHost = host.StandardInput.BaseStream;
            var fromHost = host.StandardOutput.BaseStream;
            var module = Encoding.UTF8.GetBytes(EndlessLoop);
            var folder = Directory.CreateDirectory(Path.Combine(fixture.Root, "host-orphan", "run")).FullName;

            Assert.Equal(HostMessageType.Ready, (await HostFrame.ReadAsync(fromHost, CancellationToken.None))?.Type);
            await toHost.WriteAsync(HostMessages.Run(new ModuleInvocation(module, Convert.ToHexStringLower(SHA256.HashData(module)),
                "app", [], [], folder, folder, folder, [], 1 << 20, null, 1024)));
            await toHost.FlushAsync();
            Assert.Equal(HostMessageType.Started, (await HostFrame.ReadAsync(fromHost, CancellationToken.None))?.Type);
            // What the host sees when the runner's process dies: its stdin ends.
            toHost.Close();

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await host.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, host.ExitCode);
        }
        finally
        {
            if (!host.HasExited)
            {
                host.Kill();
            }
        }
    }

    [Fact]
    public void The_host_depends_on_nothing_an_app_may_take_from_a_shared_framework()
    {
        // An app on ASP.NET Core gets e.g. Microsoft.Extensions.Logging.Abstractions from that
        // framework, not as a file in its folder, while the host runs on the base runtime only.
        var depsFile = Path.Combine(AppContext.BaseDirectory, "Hearth.Sandbox.Host.deps.json");
        using var deps = JsonDocument.Parse(File.ReadAllText(depsFile));

        var libraries = deps.RootElement.GetProperty("libraries").EnumerateObject().Select(library => library.Name.Split('/')[0]).Order();

        Assert.Equal(["Hearth.Sandbox.Execution", "Hearth.Sandbox.Host", "Wasmtime"], libraries);
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "Hearth.Sandbox.Host.runtimeconfig.json")));
    }
}
