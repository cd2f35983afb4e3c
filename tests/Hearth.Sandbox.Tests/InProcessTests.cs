namespace Hearth.Sandbox.Tests;

/// <summary>In-process runs reuse their threads: a thread per run leaks memory mappings (Wasmtime's signal stack) until the process dies.</summary>
public sealed class InProcessTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    [Fact]
    public async Task Many_runs_in_process_add_no_memory_mappings()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        var runner = fixture.RunnerFor(SandboxIsolation.InProcess);
        var request = SandboxFixture.Wat("""(module (memory (export "memory") 1) (func (export "_start")))""");
        await runner.RunAsync(request);
        var before = File.ReadAllLines("/proc/self/maps").Length;

        for (var i = 0; i < 200; i++)
        {
            var result = await runner.RunAsync(request);
            Assert.True(result.Succeeded, result.FailureReason);
        }

        // A new thread per run added two mappings a run; other tests in this process add a few.
        var added = File.ReadAllLines("/proc/self/maps").Length - before;
        Assert.True(added < 100, $"{added} memory mappings more after 200 runs");
    }
}
