using System.Diagnostics;
using Hearth.Sandbox.ChildProcess;
using Microsoft.Extensions.Time.Testing;

namespace Hearth.Sandbox.Tests;

/// <summary>Hosts started for more runs at once than the pool holds stay while runs keep coming, and end once idle long enough.</summary>
public sealed class HostPoolTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    [Fact]
    public async Task Runs_beyond_the_pool_size_wait_for_a_host_without_losing_their_time()
    {
        var options = fixture.NewOptions("queued");
        options.HostPoolSize = 1;
        using var runner = new SandboxRunner(options);
        // Each sleeps 1 s under a 1.8 s limit: the second waits about 1 s for the host, and that wait is not its time.
        SandboxRequest Sleep() => new()
        {
            ModulePath = SandboxFixture.Hostile("sleeper"),
            Arguments = ["1"],
            Limits = SandboxFixture.Limits(wallTimeMs: 1_800),
        };

        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(runner.RunAsync(Sleep()), runner.RunAsync(Sleep()));

        Assert.All(results, result => Assert.True(result.Succeeded, result.FailureReason));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(2), $"both ran at once in {clock.Elapsed}: the pool size did not bound them");
        Assert.All(results, result => Assert.True(result.WallTime < TimeSpan.FromSeconds(1.8), $"a run counted {result.WallTime}"));
    }

    [Fact]
    public async Task Hosts_beyond_the_pool_size_end_after_waiting_unused()
    {
        var options = fixture.NewOptions("surplus");
        options.HostPoolSize = 1;
        options.ConcurrentRuns = 2;
        var time = new FakeTimeProvider();
        using var runner = new SandboxRunner(options, timeProvider: time);
        SandboxRequest Sleep() => new()
        {
            ModulePath = SandboxFixture.Hostile("sleeper"),
            Arguments = ["1"],
            Limits = SandboxFixture.Limits(),
        };

        var results = await Task.WhenAll(runner.RunAsync(Sleep()), runner.RunAsync(Sleep()));
        var afterBurst = runner.Hosts!.IdleProcessIds;
        time.Advance(SandboxHostPool.SurplusIdleTime - TimeSpan.FromSeconds(1));
        var justBefore = runner.Hosts.IdleProcessIds;
        time.Advance(TimeSpan.FromSeconds(1));
        var after = runner.Hosts.IdleProcessIds;

        Assert.All(results, result => Assert.True(result.Succeeded, result.FailureReason));
        Assert.Equal(2, afterBurst.Count);
        Assert.Equal(afterBurst, justBefore);
        // The most recently used one stays.
        Assert.Equal([afterBurst[0]], after);
        Assert.Equal(after, runner.Hosts.LiveProcessIds);
        Assert.True(await HostWaits.HasExitedAsync(afterBurst[1]));
    }
}
