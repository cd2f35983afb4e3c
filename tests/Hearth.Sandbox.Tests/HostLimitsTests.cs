namespace Hearth.Sandbox.Tests;

/// <summary>Sandbox hosts run foreign code as the worker's user: they start with hard resource limits and an explicit environment.</summary>
public sealed class HostLimitsTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    private const string DoNothing = """(module (memory (export "memory") 1) (func (export "_start")))""";

    private static (string Soft, string Hard) LimitOf(int pid, string name)
    {
        var line = File.ReadAllLines($"/proc/{pid}/limits").Single(l => l.StartsWith(name, StringComparison.Ordinal));
        var fields = line[name.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (fields[0], fields[1]);
    }

    [Fact]
    public async Task A_host_runs_with_hard_limits_on_open_files_and_core_files_and_an_explicit_environment()
    {
        if (!OperatingSystem.IsLinux()) return; // prlimit and /proc are Linux's
        var options = fixture.NewOptions("host-limits");
        options.HostOpenFilesLimit = 256;
        using var runner = new SandboxRunner(options);

        var result = await runner.RunAsync(SandboxFixture.Wat(DoNothing));
        var pid = runner.Hosts!.IdleProcessIds[0];

        Assert.True(result.Succeeded, result.FailureReason);
        Assert.Equal(("256", "256"), LimitOf(pid, "Max open files"));
        Assert.Equal(("0", "0"), LimitOf(pid, "Max core file size"));
        var environment = File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(environment, variable => Assert.StartsWith("DOTNET_ROOT=", variable));
    }
}
