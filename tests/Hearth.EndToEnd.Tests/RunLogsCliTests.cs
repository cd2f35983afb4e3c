using System.Text.Json;
using Hearth.Cli;
using Hearth.Network;
using Hearth.Tests.Shared;

namespace Hearth.EndToEnd.Tests;

/// <summary>
/// The logs of every run reach the requester: a successful run's beside its result (uploaded and signed by the worker,
/// verified by `hearth task logs` and `hearth results get`), a failed run's inside its certified failure record.
/// </summary>
public sealed class RunLogsCliTests(CliNetworkFixture f) : IClassFixture<CliNetworkFixture>
{
    private readonly string _home = Directory.CreateTempSubdirectory("hearth-cli-logs-").FullName;

    /// <summary>Writes a line to stdout, another to stderr, and ends well (exit 0, an empty /out).</summary>
    private const string Prints = """
        (module
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "out: 42 answers\n")
          (data (i32.const 64) "err: a warning\n")
          (func (export "_start")
            (i32.store (i32.const 0) (i32.const 16))
            (i32.store (i32.const 4) (i32.const 16))
            (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
            (i32.store (i32.const 0) (i32.const 64))
            (i32.store (i32.const 4) (i32.const 15))
            (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))))
        """;

    [Fact]
    public async Task Task_logs_prints_a_successful_runs_signed_logs_and_a_failure_records_own_and_results_get_keeps_them()
    {
        Assert.Equal(0, (await HearthAsync("wallet", "import", "--key", f.Net.Chain.Keys[DevAccounts.FirstWorker + 6])).Code);
        Assert.Equal(0, (await HearthAsync("account", "deposit", "10")).Code);
        var prints = await RegisterAsync(Prints, "prints");
        var fails = await RegisterAsync(TestPrograms.Exits3, "exits3-logs");

        var run = await HearthAsync("run", prints, "--out", Path.Combine(_home, "run"));
        Assert.True(run.Code == 0, $"{run.Code} {run.Error}{run.Out}");
        var dealId = DealOf(run.Out);

        var logs = await HearthAsync("task", "logs", $"{dealId}:0");
        Assert.True(logs.Code == 0, $"{logs.Code} {logs.Error}{logs.Out}");
        var (stdout, stderr) = (logs.Out.IndexOf("out: 42 answers", StringComparison.Ordinal), logs.Out.IndexOf("err: a warning", StringComparison.Ordinal));
        Assert.True(stdout >= 0 && stderr > stdout, $"stdout then stderr: {logs.Out}");
        Assert.Contains("sha256 and signature checked", logs.Out);

        var json = await HearthAsync("task", "logs", $"{dealId}:0", "--json");
        var view = JsonDocument.Parse(json.Out).RootElement;
        Assert.Equal("out: 42 answers\n", view.GetProperty("stdout").GetString());
        Assert.Equal("err: a warning\n", view.GetProperty("stderr").GetString());
        Assert.False(view.GetProperty("stdoutTruncated").GetBoolean());
        Assert.Equal("beside-result", view.GetProperty("source").GetString());
        var worker = view.GetProperty("worker").GetString()!;
        Assert.Contains(f.Net.Workers, w => string.Equals(w.Address, worker, StringComparison.OrdinalIgnoreCase));

        var results = Path.Combine(_home, "results");
        var got = await HearthAsync("results", "get", dealId, "--out", results);
        Assert.True(got.Code == 0, $"{got.Code} {got.Error}{got.Out}");
        var kept = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(results, "task-0.logs.json"))).RootElement;
        Assert.Equal("out: 42 answers\n", kept.GetProperty("stdout").GetString());
        Assert.Contains("task-0.logs.json", got.Out);

        // A failure record's logs are its own, certified with it.
        var failed = await HearthAsync("run", fails, "--out", Path.Combine(_home, "failed"));
        Assert.True(failed.Code == 1, $"{failed.Code} {failed.Error}{failed.Out}");
        var failureLogs = await HearthAsync("task", "logs", $"{DealOf(failed.Out)}:0", "--json");
        Assert.True(failureLogs.Code == 0, $"{failureLogs.Code} {failureLogs.Error}{failureLogs.Out}");
        var record = JsonDocument.Parse(failureLogs.Out).RootElement;
        Assert.Equal("failure-record", record.GetProperty("source").GetString());
        Assert.Equal("the input is wrong\n", record.GetProperty("stderr").GetString());

        // A task not settled (no such index) is refused with why.
        var unsettled = await HearthAsync("task", "logs", $"{dealId}:5");
        Assert.NotEqual(0, unsettled.Code);
        Assert.Contains("not settled", unsettled.Error + unsettled.Out);
    }

    private async Task<string> RegisterAsync(string wat, string name)
    {
        var module = Path.Combine(_home, name + ".wasm");
        await File.WriteAllBytesAsync(module, Wasmtime.Module.ConvertText(wat));
        var registered = await HearthAsync("app", "register", module, "--name", name);
        Assert.True(registered.Code == 0, registered.Error);
        var appId = registered.Out.Split(' ', '\n')[2];
        Assert.Equal(0, (await HearthAsync("order", "publish", "app", appId, "--price", "0.02", "--volume", "10")).Code);
        return appId;
    }

    private static string DealOf(string output) =>
        output.Split('\n').First(l => l.StartsWith("deal ", StringComparison.Ordinal)).Split(' ')[1].TrimEnd(':');

    private Task<(int Code, string Out, string Error)> HearthAsync(params string[] args) => HearthCli.RunAsync(_home, f.Profile, args);
}
