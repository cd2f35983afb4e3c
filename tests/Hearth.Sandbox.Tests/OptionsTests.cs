using Microsoft.Extensions.Options;

namespace Hearth.Sandbox.Tests;

public sealed class OptionsTests
{
    [Fact]
    public void Defaults_are_valid_and_run_unmetered_modules_in_sandbox_hosts()
    {
        var options = new SandboxOptions();

        Assert.True(new SandboxOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal(SandboxIsolation.ChildProcess, options.Isolation);
    }

    [Fact]
    public void Nonsense_values_are_named_in_the_failure()
    {
        var options = new SandboxOptions
        {
            ModuleCacheDirectory = " ",
            DefaultMemoryLimitBytes = 100,
            CheckIntervalMilliseconds = 0,
            MemoryCacheEntries = 0,
            Isolation = (SandboxIsolation)7,
            HostPoolSize = 0,
            ConcurrentRuns = 0,
        };

        var exception = Assert.Throws<OptionsValidationException>(() => new SandboxRunner(options));

        Assert.Contains(exception.Failures, f => f.Contains(nameof(SandboxOptions.ModuleCacheDirectory)));
        Assert.Contains(exception.Failures, f => f.Contains(nameof(SandboxOptions.CheckIntervalMilliseconds)));
        Assert.Contains(exception.Failures, f => f.Contains(nameof(SandboxOptions.MemoryCacheEntries)));
        Assert.Contains(exception.Failures, f => f.Contains(nameof(SandboxOptions.Isolation)));
        Assert.Contains(exception.Failures, f => f.Contains(nameof(SandboxOptions.HostPoolSize)));
        Assert.Contains(exception.Failures, f => f.Contains(nameof(SandboxOptions.ConcurrentRuns)));
        Assert.Contains(exception.Failures, f => f.Contains("below one WebAssembly page"));
    }

    [Fact]
    public async Task Invalid_request_limits_are_rejected()
    {
        using var runner = new SandboxRunner(new SandboxOptions
        {
            ModuleCacheDirectory = Path.Combine(Path.GetTempPath(), "hearth-options-test", "cache"),
            WorkDirectory = Path.Combine(Path.GetTempPath(), "hearth-options-test", "work"),
        });
        var request = SandboxFixture.Wat("(module (func (export \"_start\")))", SandboxFixture.Limits() with { WallTime = TimeSpan.Zero });

        var exception = await Assert.ThrowsAsync<ArgumentException>(() => runner.RunAsync(request));

        Assert.Contains("wall-time", exception.Message);
    }
}
