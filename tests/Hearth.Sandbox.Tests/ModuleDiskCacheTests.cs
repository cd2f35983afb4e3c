using Hearth.Sandbox.Execution;

namespace Hearth.Sandbox.Tests;

/// <summary>The folder of compiled modules across runners and host processes: compiling ahead, corrupt files, the size bound.</summary>
public sealed class ModuleDiskCacheTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    private static SandboxRequest Request(string modulePath) => new()
    {
        ModulePath = modulePath,
        ProgramName = "large",
        Limits = SandboxFixture.Limits(),
    };

    /// <summary>A generated module of its own (a different one for each seed size), so no other test's cache holds it.</summary>
    private string Module(string name, int codeBytes = 64 * 1024, int dataBytes = 256 * 1024)
    {
        var path = Path.Combine(fixture.Root, name + ".wasm");
        File.WriteAllBytes(path, LargeModule.Generate(codeBytes, dataBytes));
        return path;
    }

    private static string[] CacheFiles(SandboxOptions options) =>
        Directory.Exists(options.ModuleCacheDirectory)
            ? Directory.GetFiles(options.ModuleCacheDirectory, "*.cwasm", SearchOption.AllDirectories)
            : [];

    [Fact]
    public void The_generated_large_module_is_the_same_for_the_same_sizes()
    {
        var module = LargeModule.Generate(100_000, 300_000);

        Assert.Equal(module, LargeModule.Generate(100_000, 300_000));
        Assert.InRange(module.Length, 390_000, 410_000);
    }

    [Theory]
    [MemberData(nameof(SandboxFixture.Isolations), MemberType = typeof(SandboxFixture))]
    public async Task A_module_prepared_by_one_runner_is_loaded_from_the_disk_cache_by_a_new_runner_without_compiling(SandboxIsolation isolation)
    {
        var options = fixture.NewOptions("prepared-" + isolation);
        options.Isolation = isolation;
        var module = Module("prepared-" + isolation, codeBytes: 96 * 1024);

        using (var first = new SandboxRunner(options))
        {
            Assert.Equal(ModuleSource.Compiled, await first.PrepareAsync(module));
            Assert.Equal(new ModuleCacheStatistics(Compilations: 1, DiskHits: 0, MemoryHits: 0), first.CacheStatistics);
        }
        Assert.Single(CacheFiles(options));

        using var second = new SandboxRunner(options);
        var result = await second.RunAsync(Request(module));

        Assert.True(result.Succeeded, result.FailureReason);
        Assert.Equal(ModuleSource.DiskCache, result.ModuleSource);
        Assert.Equal(new ModuleCacheStatistics(Compilations: 0, DiskHits: 1, MemoryHits: 0), second.CacheStatistics);
        Assert.True(result.ModuleLoadTime > TimeSpan.Zero);
    }

    [Fact]
    public async Task A_run_in_a_host_uses_the_module_its_runner_prepared_ahead()
    {
        var options = fixture.NewOptions("prepared-same-runner");
        var module = Module("prepared-same-runner", codeBytes: 80 * 1024);
        using var runner = new SandboxRunner(options);

        var preparing = runner.PrepareAsync(module);
        var result = await runner.RunAsync(Request(module));

        Assert.Equal(ModuleSource.Compiled, await preparing);
        Assert.True(result.Succeeded, result.FailureReason);
        Assert.Equal(ModuleSource.DiskCache, result.ModuleSource);
        Assert.Equal(new ModuleCacheStatistics(Compilations: 1, DiskHits: 1, MemoryHits: 0), runner.CacheStatistics);
        Assert.Equal(ModuleSource.DiskCache, await runner.PrepareAsync(module));
    }

    [Fact]
    public async Task Preparing_an_invalid_module_answers_null_and_its_run_reports_it()
    {
        var options = fixture.NewOptions("prepared-invalid");
        var module = Path.Combine(fixture.Root, "not-a-module.wasm");
        await File.WriteAllBytesAsync(module, "\0asm\u0001\0\0\0garbage"u8.ToArray());
        using var runner = new SandboxRunner(options);

        Assert.Null(await runner.PrepareAsync(module));
        var result = await runner.RunAsync(Request(module));

        Assert.Equal(SandboxFailureKind.InvalidModule, result.Failure);
        Assert.Empty(CacheFiles(options));
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("overwritten")]
    public async Task A_corrupt_cache_file_is_ignored_and_replaced(string damage)
    {
        var options = fixture.NewOptions("corrupt-" + damage);
        var module = Module("corrupt-" + damage, codeBytes: 72 * 1024);
        using (var runner = new SandboxRunner(options))
        {
            Assert.Equal(ModuleSource.Compiled, (await runner.RunAsync(Request(module))).ModuleSource);
        }
        var file = Assert.Single(CacheFiles(options));
        var good = await File.ReadAllBytesAsync(file);
        if (damage == "truncated")
        {
            await File.WriteAllBytesAsync(file, good[..(good.Length / 2)]);
        }
        else
        {
            var bad = new byte[good.Length];
            new Random(7).NextBytes(bad);
            await File.WriteAllBytesAsync(file, bad);
        }

        using (var runner = new SandboxRunner(options))
        {
            var result = await runner.RunAsync(Request(module));
            Assert.True(result.Succeeded, result.FailureReason);
            Assert.Equal(ModuleSource.Compiled, result.ModuleSource);
        }
        Assert.Equal(good.Length, new FileInfo(Assert.Single(CacheFiles(options))).Length);
        using (var runner = new SandboxRunner(options))
        {
            Assert.Equal(ModuleSource.DiskCache, (await runner.RunAsync(Request(module))).ModuleSource);
        }
    }

    [Fact]
    public async Task The_size_bound_evicts_the_least_recently_used_modules()
    {
        var options = fixture.NewOptions("bounded");
        string[] modules = [Module("bounded-a", codeBytes: 40 * 1024), Module("bounded-b", codeBytes: 48 * 1024), Module("bounded-c", codeBytes: 56 * 1024)];
        using (var runner = new SandboxRunner(options))
        {
            foreach (var module in modules) Assert.Equal(ModuleSource.Compiled, await runner.PrepareAsync(module));
        }
        var files = modules.Select(module => CacheFile(options, module)).ToArray();
        var sizes = files.Select(file => new FileInfo(file).Length).ToArray();
        // Used in the order a, b, c; then a runs again, so b is the least recently used.
        for (var i = 0; i < files.Length; i++) File.SetLastWriteTimeUtc(files[i], DateTime.UtcNow.AddMinutes(-30 + i));
        using (var runner = new SandboxRunner(options))
        {
            Assert.Equal(ModuleSource.DiskCache, (await runner.RunAsync(Request(modules[0]))).ModuleSource);
        }

        // Room for a and c: b goes when a runner starts over the folder.
        options.ModuleCacheMaxBytes = sizes[0] + sizes[2];
        using (new SandboxRunner(options))
        {
        }
        Assert.Equal(new[] { files[0], files[2] }.Order(StringComparer.Ordinal), CacheFiles(options).Order(StringComparer.Ordinal));

        // A compilation past the bound evicts too: with room for less than one module, only the newest stays.
        options.ModuleCacheMaxBytes = 1;
        var fresh = Module("bounded-d", codeBytes: 44 * 1024);
        using (var runner = new SandboxRunner(options))
        {
            Assert.Equal(ModuleSource.Compiled, await runner.PrepareAsync(fresh));
        }
        Assert.Equal([CacheFile(options, fresh)], CacheFiles(options));
    }

    /// <summary>The cache file of a module compiled for sandbox hosts, named by the module's sha256.</summary>
    private static string CacheFile(SandboxOptions options, string modulePath)
    {
        var sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(modulePath)));
        return Assert.Single(CacheFiles(options), file => Path.GetFileName(file) == sha256 + ".cwasm");
    }

    [Fact]
    public void Trim_keeps_the_newest_file_and_deletes_oldest_first_in_every_version_folder()
    {
        var root = Directory.CreateTempSubdirectory("hearth-trim-").FullName;
        try
        {
            var old = Path.Combine(root, "wasmtime-1.0-x", "uninterrupted", "old.cwasm");
            var middle = Path.Combine(root, "wasmtime-2.0-x", "epoch", "middle.cwasm");
            var newest = Path.Combine(root, "wasmtime-2.0-x", "uninterrupted", "newest.cwasm");
            string[] all = [old, middle, newest];
            for (var i = 0; i < all.Length; i++)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(all[i])!);
                File.WriteAllBytes(all[i], new byte[1000]);
                File.SetLastWriteTimeUtc(all[i], DateTime.UtcNow.AddMinutes(-10 + i));
            }

            Assert.Equal(0, ModuleCache.Trim(root, 3000));
            Assert.Equal(1000, ModuleCache.Trim(root, 2500));
            Assert.False(File.Exists(old));
            Assert.Equal(1000, ModuleCache.Trim(root, 0));
            Assert.Equal([newest], Directory.GetFiles(root, "*.cwasm", SearchOption.AllDirectories));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
