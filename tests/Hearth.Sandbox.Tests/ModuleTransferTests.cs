using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Hearth.Sandbox.ChildProcess;
using Hearth.Sandbox.Execution;
using Hearth.Sandbox.Execution.Protocol;

namespace Hearth.Sandbox.Tests;

/// <summary>
/// A sandbox host gets a module's bytes once: later runs of that module name it by its sha256 only,
/// and a host without a compiled copy (a new one, or one that lost it) asks for the bytes.
/// </summary>
public sealed class ModuleTransferTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    private const string DoNothing = """(module (memory (export "memory") 1) (func (export "_start")))""";
    private const string EndlessLoop = """(module (memory (export "memory") 1) (func (export "_start") (loop $forever (br $forever))))""";

    private static SandboxRequest Hello() => new()
    {
        ModulePath = SandboxFixture.App("hello-as"),
        Arguments = ["again"],
        Limits = SandboxFixture.Limits(),
    };

    [Fact]
    public async Task A_host_gets_each_module_once_and_runs_it_again_from_memory()
    {
        using var runner = new SandboxRunner(fixture.NewOptions("transfer-once"));

        var first = await runner.RunAsync(Hello());
        var host = runner.Hosts!.IdleHosts[0];
        var again = await runner.RunAsync(Hello());
        var other = await runner.RunAsync(SandboxFixture.Wat(DoNothing));
        var third = await runner.RunAsync(Hello());

        Assert.All([first, again, other, third], result => Assert.True(result.Succeeded, result.FailureReason));
        Assert.Same(host, runner.Hosts.IdleHosts[0]);
        Assert.Equal(2, host.ModuleTransfers);
        Assert.Equal(ModuleSource.MemoryCache, again.ModuleSource);
        Assert.Equal(ModuleSource.MemoryCache, third.ModuleSource);
        Assert.Equal(first.OutputArchive, third.OutputArchive);
        Assert.Equal("Hello, again!\n", SandboxFixture.Text(third.Stdout));
    }

    [Fact]
    public async Task A_host_that_lost_a_module_asks_for_its_bytes_again()
    {
        var options = fixture.NewOptions("transfer-lost");
        options.MemoryCacheEntries = 1;
        using var runner = new SandboxRunner(options);
        await runner.RunAsync(Hello());
        // The host now keeps only this module in memory, and the folder keeps none.
        await runner.RunAsync(SandboxFixture.Wat(DoNothing));
        foreach (var file in Directory.EnumerateFiles(options.ModuleCacheDirectory, "*.cwasm", SearchOption.AllDirectories))
        {
            File.Delete(file);
        }

        var result = await runner.RunAsync(Hello());

        Assert.True(result.Succeeded, result.FailureReason);
        Assert.Equal(ModuleSource.Compiled, result.ModuleSource);
        Assert.Equal(3, runner.Hosts!.IdleHosts[0].ModuleTransfers);
    }

    [Fact]
    public async Task The_host_replacing_one_that_died_loads_the_module_from_the_cache_folder_without_its_bytes()
    {
        var options = fixture.NewOptions("transfer-crash");
        options.HostPoolSize = 1;
        using var runner = new SandboxRunner(options);
        var before = await runner.RunAsync(Hello());
        var crashed = runner.Hosts!.IdleProcessIds[0];
        var run = runner.RunAsync(SandboxFixture.Wat(EndlessLoop, SandboxFixture.Limits(wallTimeMs: 60_000)));
        await HostWaits.ServingHostsAsync(runner, count: 1);
        Process.GetProcessById(crashed).Kill();
        var failed = await run.WaitAsync(TimeSpan.FromSeconds(20));

        var after = await runner.RunAsync(Hello());

        Assert.Equal(SandboxFailureKind.HostFailed, failed.Failure);
        Assert.True(after.Succeeded, after.FailureReason);
        var replacement = Assert.Single(runner.Hosts.IdleHosts);
        Assert.NotEqual(crashed, replacement.ProcessId);
        Assert.Equal(0, replacement.ModuleTransfers);
        Assert.Equal(ModuleSource.DiskCache, after.ModuleSource);
        Assert.Equal(before.OutputArchive, after.OutputArchive);
    }

    [Fact]
    public async Task A_host_asks_for_the_bytes_of_a_module_it_never_had()
    {
        var options = fixture.NewOptions("transfer-protocol");
        using var host = Process.Start(new SandboxHostLauncher(options).StartInfo())!;
        try
        {
            var toHost = host.StandardInput.BaseStream;
            var fromHost = host.StandardOutput.BaseStream;
            var module = Encoding.UTF8.GetBytes(DoNothing);
            var folder = Directory.CreateDirectory(Path.Combine(fixture.Root, "transfer-protocol", "run")).FullName;
            var withBytes = new ModuleInvocation(module, Convert.ToHexStringLower(SHA256.HashData(module)), "app", [], [], folder, folder, folder, [], 1 << 20, null, 1024);
            var withoutBytes = withBytes with { Module = null };
            async Task<HostMessageType?> Next() => (await HostFrame.ReadAsync(fromHost, CancellationToken.None))?.Type;
            async Task Send(ModuleInvocation invocation)
            {
                await toHost.WriteAsync(HostMessages.Run(invocation));
                await toHost.FlushAsync();
            }

            Assert.Equal(HostMessageType.Ready, await Next());
            await Send(withoutBytes);
            Assert.Equal(HostMessageType.ModuleNeeded, await Next());
            await Send(withBytes);
            Assert.Equal(HostMessageType.Started, await Next());
            Assert.Equal(HostMessageType.Finished, await Next());
            await Send(withoutBytes);
            Assert.Equal(HostMessageType.Started, await Next());
            Assert.Equal(HostMessageType.Finished, await Next());
        }
        finally
        {
            host.Kill();
        }
    }
}
