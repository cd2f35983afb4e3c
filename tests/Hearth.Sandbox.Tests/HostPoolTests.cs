using Hearth.Sandbox.ChildProcess;
using Microsoft.Extensions.Time.Testing;

namespace Hearth.Sandbox.Tests;

/// <summary>Hosts started for more runs at once than the pool holds stay while runs keep coming, and end once idle long enough.</summary>
public sealed class HostPoolTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    [Fact]
    public async Task Hosts_beyond_the_pool_size_end_after_waiting_unused()
    {
        var options = fixture.NewOptions("surplus");
        options.HostPoolSize = 1;
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
