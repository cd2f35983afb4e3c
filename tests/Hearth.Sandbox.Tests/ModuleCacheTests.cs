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

    [Fact]
    public void Temporary_files_left_by_killed_writers_are_removed_when_a_runner_starts_but_fresh_ones_stay()
    {
        var options = fixture.NewOptions("abandoned-writes");
        var folder = Directory.CreateDirectory(Path.Combine(options.ModuleCacheDirectory, "wasmtime-x")).FullName;
        var abandoned = Path.Combine(folder, "0123.cwasm.dead.tmp");
        var inFlight = Path.Combine(folder, "4567.cwasm.live.tmp");
        var kept = Path.Combine(folder, "89ab.cwasm");
        foreach (var file in new[] { abandoned, inFlight, kept }) File.WriteAllBytes(file, [1, 2, 3]);
        File.SetLastWriteTimeUtc(abandoned, DateTime.UtcNow.AddHours(-2));
        File.SetLastWriteTimeUtc(kept, DateTime.UtcNow.AddHours(-2));

        using var runner = new SandboxRunner(options);

        Assert.False(File.Exists(abandoned));
        Assert.True(File.Exists(inFlight));
        Assert.True(File.Exists(kept));
    }
}
