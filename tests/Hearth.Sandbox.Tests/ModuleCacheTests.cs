namespace Hearth.Sandbox.Tests;

public sealed class ModuleCacheTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    private static SandboxRequest Hello => new()
    {
        ModulePath = SandboxFixture.App("hello-as"),
        Limits = SandboxFixture.Limits(),
    };

    [Fact]
    public async Task Second_load_hits_memory_then_a_new_runner_hits_the_disk_cache()
    {
        var options = fixture.NewOptions("cache");
        ModuleSource first, second, third;
        using (var runner = new SandboxRunner(options))
        {
            first = (await runner.RunAsync(Hello)).ModuleSource;
            second = (await runner.RunAsync(Hello)).ModuleSource;
            Assert.Equal(new ModuleCacheStatistics(Compilations: 1, DiskHits: 0, MemoryHits: 1), runner.CacheStatistics);
        }
        using (var runner = new SandboxRunner(options))
        {
            third = (await runner.RunAsync(Hello)).ModuleSource;
            Assert.Equal(new ModuleCacheStatistics(Compilations: 0, DiskHits: 1, MemoryHits: 0), runner.CacheStatistics);
        }

        Assert.Equal([ModuleSource.Compiled, ModuleSource.MemoryCache, ModuleSource.DiskCache], [first, second, third]);
    }

    [Fact]
    public async Task A_corrupt_cache_file_is_compiled_again()
    {
        var options = fixture.NewOptions("corrupt-cache");
        using (var runner = new SandboxRunner(options))
        {
            await runner.RunAsync(Hello);
        }
        foreach (var file in Directory.EnumerateFiles(options.ModuleCacheDirectory, "*.cwasm", SearchOption.AllDirectories))
        {
            await File.WriteAllBytesAsync(file, "garbage"u8.ToArray());
        }

        using var again = new SandboxRunner(options);
        var result = await again.RunAsync(Hello);

        Assert.True(result.Succeeded, result.FailureReason);
        Assert.Equal(ModuleSource.Compiled, result.ModuleSource);
    }
}
