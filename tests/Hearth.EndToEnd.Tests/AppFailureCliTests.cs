using System.Text;
using Hearth.Cli;
using Hearth.Network;
using Hearth.Protocol.Deals;
using Hearth.Tests.Shared;

namespace Hearth.EndToEnd.Tests;

/// <summary>
/// A program that fails the same way on every replica: its failure is the result the replicas agree on, certified
/// and paid like any result. `hearth run` ends as soon as it is settled, names the failure and its stderr, and leaves
/// the record with the results; the pool is paid and nothing is refunded.
/// </summary>
public sealed class AppFailureCliTests(CliNetworkFixture f) : IClassFixture<CliNetworkFixture>
{
    private readonly string _home = Directory.CreateTempSubdirectory("hearth-cli-fails-").FullName;

    [Fact]
    public async Task A_program_that_exits_non_zero_on_two_replicas_settles_as_failed_by_the_app_and_the_run_says_why()
    {
        var module = Path.Combine(_home, "exits3.wasm");
        await File.WriteAllBytesAsync(module, Wasmtime.Module.ConvertText(TestPrograms.Exits3));
        Assert.Equal(0, (await HearthAsync("wallet", "import", "--key", f.Net.Chain.Keys[DevAccounts.FirstWorker + 6])).Code);
        var registered = await HearthAsync("app", "register", module, "--name", "exits3");
        Assert.True(registered.Code == 0, registered.Error);
        var appId = registered.Out.Split(' ', '\n')[2];
        Assert.Equal(0, (await HearthAsync("order", "publish", "app", appId, "--price", "0.02", "--volume", "10")).Code);
        Assert.Equal(0, (await HearthAsync("account", "deposit", "10")).Code);

        var results = Path.Combine(_home, "results");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var run = await HearthAsync("run", appId, "--trust", "3", "--out", results);

        Assert.True(run.Code == 1, $"a failed task makes the run fail: {run.Code} {run.Error}{run.Out}");
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(4), "ended with the settlement, not at the deadline");
        Assert.Contains("1 of 1 certified on chain (1 failed by the app)", run.Out);
        Assert.Contains("task 0: failed by the app: non-zero-exit (exit code 3); stderr: the input is wrong", run.Out);
        var record = Path.Combine(results, "task-0", AppFailure.Folder);
        Assert.Equal("the input is wrong\n", await File.ReadAllTextAsync(Path.Combine(record, AppFailure.StderrFile)));
        Assert.Equal(new AppFailure("non-zero-exit", 3, false, false), AppFailure.Read(Path.Combine(results, "task-0")));

        // Two replicas (trust 3 asks for two new workers) agreed on the failure: the chain holds one certified digest,
        // and nothing was refunded.
        var dealId = run.Out.Split('\n').First(l => l.StartsWith("deal ", StringComparison.Ordinal)).Split(' ')[1].TrimEnd(':');
        var settled = await f.Net.Chain.Client(0).TasksSettledAsync(Hearth.Protocol.Hash32.Parse(dealId));
        Assert.Single(settled);
        Assert.Empty(await f.Net.Chain.Client(0).TasksRefundedAsync(Hearth.Protocol.Hash32.Parse(dealId)));
    }

    /// <summary>Sleeps for a minute (WASI poll_oneoff on the monotonic clock), then exits 0.</summary>
    private const string SleepsAMinute = """
        (module
          (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "_start")
            (i64.store (i32.const 0) (i64.const 0))
            (i32.store8 (i32.const 8) (i32.const 0))
            (i32.store (i32.const 16) (i32.const 1))
            (i64.store (i32.const 24) (i64.const 60000000000))
            (i64.store (i32.const 32) (i64.const 0))
            (i32.store16 (i32.const 40) (i32.const 0))
            (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))))
        """;

    [Fact]
    public async Task Json_output_is_json_alone_and_a_terminated_run_says_how_to_follow_its_deal_and_exits_130()
    {
        var failing = Path.Combine(_home, "exits3.wasm");
        await File.WriteAllBytesAsync(failing, Wasmtime.Module.ConvertText(TestPrograms.Exits3));
        var sleeping = Path.Combine(_home, "sleeps.wasm");
        await File.WriteAllBytesAsync(sleeping, Wasmtime.Module.ConvertText(SleepsAMinute));
        Assert.Equal(0, (await HearthAsync("wallet", "import", "--key", f.Net.Chain.Keys[DevAccounts.FirstWorker + 7])).Code);
        var apps = new List<string>();
        foreach (var (module, name) in new[] { (failing, "exits3-json"), (sleeping, "sleeps") })
        {
            var registered = await HearthAsync("app", "register", module, "--name", name);
            Assert.True(registered.Code == 0, registered.Error);
            apps.Add(registered.Out.Split(' ', '\n')[2]);
            Assert.Equal(0, (await HearthAsync("order", "publish", "app", apps[^1], "--price", "0.02", "--volume", "10")).Code);
        }
        Assert.Equal(0, (await HearthAsync("account", "deposit", "10")).Code);

        var json = await HearthAsync("run", apps[0], "--out", Path.Combine(_home, "json-results"), "--json");
        var summary = System.Text.Json.JsonDocument.Parse(json.Out).RootElement;
        Assert.Equal(1, summary.GetProperty("failedByApp").GetInt32());
        Assert.StartsWith("deal ", json.Error);

        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["exec", Path.Combine(AppContext.BaseDirectory, "hearth.dll"), "run", apps[1], "--out", Path.Combine(_home, "sleep-results")]) start.ArgumentList.Add(a);
        start.Environment["HEARTH_HOME"] = _home;
        start.Environment["HEARTH_NETWORK"] = f.Profile;
        start.Environment["HEARTH_PASSWORD"] = "a-long-password";
        using var process = System.Diagnostics.Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string? line;
        while ((line = await process.StandardOutput.ReadLineAsync()) is not null && !line.StartsWith("deal ", StringComparison.Ordinal)) { }
        Assert.NotNull(line);
        var dealId = line!.Split(' ')[1].TrimEnd(':');
        var rest = process.StandardOutput.ReadToEndAsync(); // keep draining: the command may still print
        // SIGTERM, as a service manager or `timeout` sends it (SIGINT, Ctrl-C, takes the same path; a test run in the
        // background may inherit SIGINT ignored, so the test sends the one signal no launcher ignores).
        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
        await Task.WhenAny(process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(120)));
        var exited = process.HasExited;
        if (!exited) process.Kill(entireProcessTree: true);
        var stderr = await error;
        Assert.True(exited, $"still running 120 s after SIGTERM; stdout: {await rest}; stderr: {stderr}");
        Assert.Equal(130, process.ExitCode);
        Assert.Contains($"interrupted: deal {dealId} goes on", stderr);
        Assert.DoesNotContain("Exception", stderr);
    }

    [Fact]
    public async Task At_the_deadline_hearth_run_claims_the_refund_of_what_was_not_settled()
    {
        // A category of 3 s (a deadline 30 s after the match), created by the market's owner, and a pool order in it.
        const int seconds = 3;
        var owner = f.Net.Chain.Client(DevAccounts.Deployer);
        var selector = Nethereum.Util.Sha3Keccack.Current.CalculateHash("createCategory(uint32)")[..8];
        await owner.Sender.SendAsync(f.Net.Chain.Deployment.Market, "0x" + selector + seconds.ToString("x64", System.Globalization.CultureInfo.InvariantCulture), "creating a short category", CancellationToken.None);
        long category = 5;
        while (await owner.CategoryTimeAsync(category) != seconds) category++;

        var poolOwner = new Nethereum.Signer.EthECKey(f.Net.Chain.Keys[DevAccounts.PoolOwner]).GetPublicAddress();
        var requester = new Nethereum.Signer.EthECKey(f.Net.Chain.Keys[DevAccounts.FirstWorker + 8]).GetPublicAddress();
        Assert.Equal(0, (await HearthAsync("wallet", "import", "--key", f.Net.Chain.Keys[DevAccounts.PoolOwner])).Code);
        Assert.Equal(0, (await HearthAsync("wallet", "import", "--key", f.Net.Chain.Keys[DevAccounts.FirstWorker + 8])).Code);
        var published = await HearthAsync("order", "publish", "workerpool", f.Net.Workerpool.ToString(), "--price", "0.05", "--volume", "10",
            "--category", category.ToString(System.Globalization.CultureInfo.InvariantCulture), "--wallet", poolOwner);
        Assert.True(published.Code == 0, published.Error + published.Out);

        // A program that sleeps a minute: past the 3 s limit on every worker, so nothing settles before the deadline.
        var module = Path.Combine(_home, "sleeps-long.wasm");
        await File.WriteAllBytesAsync(module, Wasmtime.Module.ConvertText(SleepsAMinute));
        var registered = await HearthAsync("app", "register", module, "--name", "sleeps-long", "--wallet", requester);
        Assert.True(registered.Code == 0, registered.Error);
        var appId = registered.Out.Split(' ', '\n')[2];
        Assert.Equal(0, (await HearthAsync("order", "publish", "app", appId, "--price", "0.02", "--volume", "10", "--wallet", requester)).Code);
        Assert.Equal(0, (await HearthAsync("account", "deposit", "10", "--wallet", requester)).Code);
        var before = await f.Net.Chain.Client(DevAccounts.FirstWorker + 8).GetAccountAsync(requester);

        var run = await HearthAsync("run", appId, "--category", category.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", Path.Combine(_home, "late"), "--wallet", requester);
        Assert.Equal(1, run.Code);
        Assert.Contains("refunded 1 unsettled task(s)", run.Out);
        Assert.Contains("0 of 1 certified on chain, 1 refunded", run.Out);
        // The price came back (the app owner is the requester here, so only the pool's part was ever at stake).
        var after = await f.Net.Chain.Client(DevAccounts.FirstWorker + 8).GetAccountAsync(requester);
        Assert.Equal(before.Balance, after.Balance);
        Assert.Equal(before.Locked, after.Locked);
    }

    private Task<(int Code, string Out, string Error)> HearthAsync(params string[] args) => HearthCli.RunAsync(_home, f.Profile, args);
}
