using System.Text.Json;
using Hearth.Network;
using Hearth.Protocol;

namespace Hearth.EndToEnd.Tests;

/// <summary>
/// Resources on the order: a request asks for memory (output, scratch) beyond what every pool gives, only pools whose
/// orders offer it are matched, and the tasks run with it. A request asking more than any pool offers is refused before
/// any funds are locked, naming the constraint. The local pool offers 1 GiB of each (<see cref="LocalNetwork.PoolOffer"/>).
/// </summary>
public sealed class ResourceNeedsCliTests(CliNetworkFixture f) : IClassFixture<CliNetworkFixture>
{
    private readonly string _home = Directory.CreateTempSubdirectory("hearth-cli-resources-").FullName;

    /// <summary>Grows its memory by 600 MiB (9,600 pages) and exits 1 when it cannot.</summary>
    private const string Needs600MiB = """
        (module
          (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
          (memory (export "memory") 1)
          (func (export "_start")
            (if (i32.eq (memory.grow (i32.const 9600)) (i32.const -1))
              (then (call $proc_exit (i32.const 1))))))
        """;

    [Fact]
    public async Task A_task_asking_for_1GiB_of_memory_gets_it_without_asking_it_fails_and_asking_more_than_any_pool_offers_locks_nothing()
    {
        var module = Path.Combine(_home, "needs600.wasm");
        await File.WriteAllBytesAsync(module, Wasmtime.Module.ConvertText(Needs600MiB));
        Assert.Equal(0, (await HearthAsync("wallet", "import", "--key", f.Net.Chain.Keys[DevAccounts.FirstWorker + 7])).Code);
        var registered = await HearthAsync("app", "register", module, "--name", "needs600");
        Assert.True(registered.Code == 0, registered.Error);
        var appId = registered.Out.Split(' ', '\n')[2];
        Assert.Equal(0, (await HearthAsync("order", "publish", "app", appId, "--price", "0", "--volume", "10")).Code);
        Assert.Equal(0, (await HearthAsync("account", "deposit", "10")).Code);

        var asked = await HearthAsync("run", appId, "--memory", "1GiB", "--out", Path.Combine(_home, "asked"));
        Assert.True(asked.Code == 0, $"{asked.Code} {asked.Error}{asked.Out}");
        Assert.Contains("1 of 1 certified on chain", asked.Out);
        var dealId = Hash32.Parse(asked.Out.Split('\n').First(l => l.StartsWith("deal ", StringComparison.Ordinal)).Split(' ')[1].TrimEnd(':'));
        var deal = (await f.Net.Chain.Client(0).FindDealAsync(dealId))!.Deal;
        Assert.Equal(1L << 30, Hearth.Protocol.Orders.ResourceTag.LimitsOf(deal.Tag).MemoryBytes);

        var plain = await HearthAsync("run", appId, "--out", Path.Combine(_home, "plain"));
        Assert.Equal(1, plain.Code);
        Assert.Contains("failed by the app: non-zero-exit (exit code 1)", plain.Out);

        var before = await LockedAsync();
        var tooMuch = await HearthAsync("run", appId, "--memory", "2GiB", "--out", Path.Combine(_home, "too-much"));
        Assert.NotEqual(0, tooMuch.Code);
        Assert.Contains("memory: 2 GiB asked, the pool offers up to 1 GiB", tooMuch.Error);
        Assert.Equal(before, await LockedAsync());

        var beyond = await HearthAsync("run", appId, "--memory", "5GiB");
        Assert.Contains("memory of 5 GiB is above the largest a task can ask for, 4 GiB", beyond.Error);
        var garbage = await HearthAsync("run", appId, "--scratch", "lots");
        Assert.Contains("--scratch: 'lots' is not a size", garbage.Error);

        var none = await HearthAsync("order", "list", "workerpool", "--memory", "2GiB");
        Assert.Contains("no open order", none.Out);
        var pools = await HearthAsync("order", "list", "workerpool", "--memory", "1GiB", "--scratch", "1GiB");
        Assert.Contains("gives memory 1 GiB, output 1 GiB, scratch 1 GiB", pools.Out);
    }

    private async Task<(string Balance, string Locked)> LockedAsync()
    {
        var shown = await HearthAsync("account", "balance", "--json");
        using var json = JsonDocument.Parse(shown.Out);
        return (json.RootElement.GetProperty("balance").GetString()!, json.RootElement.GetProperty("locked").GetString()!);
    }

    private Task<(int Code, string Out, string Error)> HearthAsync(params string[] args) => HearthCli.RunAsync(_home, f.Profile, args);
}
