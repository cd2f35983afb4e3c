using System.Text.Json;
using Hearth.Cli;
using Hearth.Network;

namespace Hearth.EndToEnd.Tests;

/// <summary>
/// `hearth run -f job.yaml|job.json` against a real local network: the file's fields make the run, options written on the
/// command line override them, and a hostile file is refused with one line and exit code 1 before anything is touched.
/// `hearth deal list` then finds the requester's deals again from the chain's events.
/// </summary>
public sealed class JobFileTests(CliNetworkFixture f) : IClassFixture<CliNetworkFixture>
{
    private readonly string _home = Directory.CreateTempSubdirectory("hearth-cli-jobs-").FullName;

    [Fact]
    public async Task A_job_file_runs_a_deal_to_certified_results_an_option_overrides_it_and_deal_list_finds_both()
    {
        Assert.Equal(0, (await HearthAsync("wallet", "import", "--key", f.Net.Chain.Keys[DevAccounts.FirstWorker + 5])).Code);
        var none = await HearthAsync("deal", "list");
        Assert.True(none.Code == 0, none.Error);
        Assert.Contains("no deals requested by", none.Out);

        var module = Path.Combine(SampleAppsFolder(), "hello-as", "build", "hello-as.wasm");
        var registered = await HearthAsync("app", "register", module, "--name", "job-hello");
        Assert.True(registered.Code == 0, registered.Error);
        var appId = registered.Out.Split(' ', '\n')[2];
        Assert.Equal(0, (await HearthAsync("order", "publish", "app", appId, "--price", "0.02", "--volume", "100")).Code);
        Assert.Equal(0, (await HearthAsync("account", "deposit", "10")).Code);

        // YAML: params as args (one with a space, which the words form cannot carry) and env; out is relative to the file.
        var jobs = Directory.CreateDirectory(Path.Combine(_home, "jobs")).FullName;
        var yaml = Path.Combine(jobs, "job.yaml");
        await File.WriteAllTextAsync(yaml, $"""
            # two greetings
            app: {appId}
            volume: 2
            trust: 1
            category: 0
            max-price: 0.5
            params:
              args: [Ada, Grace Hopper]
              env:
                GREETING: Bonjour
            out: results-yaml
            """);
        var run = await HearthAsync("run", "-f", yaml);
        Assert.True(run.Code == 0, run.Error + run.Out);
        Assert.Contains("2 of 2 certified on chain", run.Out);
        var hello = await File.ReadAllTextAsync(Path.Combine(jobs, "results-yaml", "task-1", "hello.txt"));
        Assert.Contains("Hello, Ada, Grace Hopper!", hello);
        Assert.Contains("Bonjour", hello);
        var yamlDeal = DealIdOf(run.Out);

        // JSON, with --volume and --out on the command line: they win over the file.
        var json = Path.Combine(jobs, "job.json");
        await File.WriteAllTextAsync(json, $$"""{ "app": "{{appId}}", "volume": 3, "params": "Linus", "out": "results-json" }""");
        var overridden = Path.Combine(_home, "overridden");
        var second = await HearthAsync("run", "-f", json, "--volume", "1", "--out", overridden);
        Assert.True(second.Code == 0, second.Error + second.Out);
        Assert.Contains("1 of 1 certified on chain", second.Out);
        Assert.Contains("Linus", await File.ReadAllTextAsync(Path.Combine(overridden, "task-0", "hello.txt")));
        Assert.False(Directory.Exists(Path.Combine(jobs, "results-json")));
        var jsonDeal = DealIdOf(second.Out);

        var list = await HearthAsync("deal", "list");
        Assert.True(list.Code == 0, list.Error);
        var rows = list.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, rows.Length);
        Assert.Contains(rows, r => r.StartsWith(yamlDeal, StringComparison.Ordinal) && r.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..5].SequenceEqual([appId, "2", "2", "0"]));
        Assert.Contains(rows, r => r.StartsWith(jsonDeal, StringComparison.Ordinal) && r.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..5].SequenceEqual([appId, "1", "1", "0"]));

        var listed = await HearthAsync("deal", "list", "--json");
        Assert.True(listed.Code == 0, listed.Error);
        var root = JsonDocument.Parse(listed.Out).RootElement;
        var deals = root.GetProperty("deals").EnumerateArray().ToList();
        Assert.Equal([yamlDeal, jsonDeal], deals.Select(d => d.GetProperty("dealId").GetString()));
        Assert.Equal([2L, 1L], deals.Select(d => d.GetProperty("volume").GetInt64()));
        Assert.Equal([2, 1], deals.Select(d => d.GetProperty("settled").GetInt32()));
        Assert.All(deals, d => Assert.Equal(appId, d.GetProperty("app").GetString()));
        Assert.True(deals[0].GetProperty("createdBlock").GetInt64() < deals[1].GetProperty("createdBlock").GetInt64());
    }

    [Theory]
    [InlineData("volume0.yaml", "app: 1\nvolume: 0\n", "'volume' must be between 1 and 100000 (got 0)")]
    [InlineData("volume-huge.yaml", "app: 1\nvolume: 100001\n", "'volume' must be between 1 and 100000 (got 100001)")]
    [InlineData("trust0.yaml", "app: 1\ntrust: 0\n", "'trust' must be between 1 and 10000 (got 0)")]
    [InlineData("trust-huge.json", """{"app": 1, "trust": 10001}""", "'trust' must be between 1 and 10000 (got 10001)")]
    [InlineData("negative.yaml", "app: 1\nmax-price: -0.5\n", "'max-price' must not be negative (got -0.5)")]
    [InlineData("cheap.yaml", "app: 1\nmax-price: cheap\n", "'max-price' must be a number of HRTH, not 'cheap'")]
    [InlineData("unknown.yaml", "app: 1\nvolum: 2\n", "unknown field 'volum'; the known fields are app, dataset, workerpool, params, volume, trust, category, max-price, out, callback, memory, output-size, scratch, inputs, tasks")]
    [InlineData("unknown.json", """{"app": 1, "priority": "high"}""", "unknown field 'priority'; the known fields are app,")]
    [InlineData("list.yaml", "app: 1\nvolume: [1, 2]\n", "'volume' must be a whole number, not a list")]
    [InlineData("string.json", """{"app": 1, "volume": "2"}""", "'volume' must be a whole number, not '2'")]
    [InlineData("fraction.json", """{"app": 1, "volume": 1.5}""", "'volume' must be a whole number, not '1.5'")]
    [InlineData("object.json", """{"app": {"id": 1}}""", "'app' must be a single value, not a set of fields")]
    [InlineData("top-list.yaml", "- app: 1\n", "expected fields (name: value), found a list")]
    [InlineData("twice.yaml", "app: 1\nvolume: 2\nvolume: 3\n", "field 'volume' appears twice")]
    [InlineData("laughs.yaml", "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\napp: 1\n", "YAML anchors are not accepted (&a at line 1)")]
    [InlineData("alias.yaml", "app: *x\n", "YAML aliases are not accepted")]
    [InlineData("deep.yaml", "params: [[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]\n", "nested too deep")]
    [InlineData("broken.yaml", "app: 1\n  volume: : 2\n", "not valid YAML at line 2")]
    [InlineData("broken.json", """{"app": 1,""", "not valid JSON at line 1")]
    [InlineData("memory-words.yaml", "app: 1\nmemory: plenty\n", "'memory': 'plenty' is not a size")]
    [InlineData("memory-negative.yaml", "app: 1\nmemory: -1GiB\n", "'memory': '-1GiB' is not a size")]
    [InlineData("scratch-huge.yaml", "app: 1\nscratch: 9999TiB\n", "'scratch': '9999TiB' must be more than 0 and at most 1 PiB")]
    [InlineData("output-list.yaml", "app: 1\noutput-size: [1GiB]\n", "'output-size' must be a single value, not a list")]
    [InlineData("memory-beyond.yaml", "app: 1\nmemory: 8GiB\n", "memory of 8 GiB is above the largest a task can ask for, 4 GiB")]
    [InlineData("tasks.yaml", "app: 1\ntasks:\n  - params: a\n", "unknown field 'tasks[0].params'; a task has args, env and inputs")]
    [InlineData("tasks-volume.yaml", "app: 1\nvolume: 1\ntasks:\n  - args: [a]\n  - args: [b]\n", "the volume (1) differs from the number of task entries (2)")]
    [InlineData("hearth-env.yaml", "app: 1\nparams:\n  env:\n    HEARTH_TASK_INDEX: 7\n", "'params.env.HEARTH_TASK_INDEX': the HEARTH_ variables are set by the worker")]
    [InlineData("empty.yaml", "", "is empty")]
    [InlineData("no-app.yaml", "volume: 2\n", "name the app: `hearth run <app-id>`, or a job file with an app field")]
    [InlineData("huge.yaml", null, "is 1048577 bytes: a job file is at most 1048576 bytes (1 MiB)")]
    [InlineData("missing.yaml", null, "missing.yaml does not exist")]
    public async Task A_hostile_job_file_is_refused_with_one_line_and_exit_code_1(string name, string? content, string expected)
    {
        var path = Path.Combine(_home, name);
        if (name == "huge.yaml") await File.WriteAllTextAsync(path, "app: 1\nparams: " + new string('a', 1024 * 1024 - 15) + "\n");
        else if (content is not null) await File.WriteAllTextAsync(path, content);

        var run = await HearthAsync("run", "-f", path);

        Assert.Equal(1, run.Code);
        Assert.Equal("", run.Out);
        var error = run.Error.TrimEnd('\n');
        Assert.DoesNotContain('\n', error);
        Assert.StartsWith("error: ", error);
        Assert.Contains(expected, error);
        Assert.DoesNotContain("Exception", error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public async Task An_absurd_option_beside_a_sound_job_file_is_refused_too()
    {
        var path = Path.Combine(_home, "sound.yaml");
        await File.WriteAllTextAsync(path, "app: 1\nvolume: 2\n");
        foreach (var (args, expected) in new (string[], string)[]
        {
            (["--volume", "0"], "--volume must be between 1 and 100000"),
            (["--trust", "10001"], "--trust must be between 1 and 10000"),
            (["--max-price", "-1"], "--max-price must not be negative"),
        })
        {
            var run = await HearthAsync(["run", "-f", path, .. args]);
            Assert.Equal(1, run.Code);
            Assert.Equal($"error: {expected}", run.Error.TrimEnd('\n'));
        }
    }

    private static string DealIdOf(string output) =>
        output.Split('\n').First(l => l.StartsWith("deal ", StringComparison.Ordinal)).Split(' ')[1].TrimEnd(':');

    private Task<(int Code, string Out, string Error)> HearthAsync(params string[] args) => HearthCli.RunAsync(_home, f.Profile, args);

    private static string SampleAppsFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "apps", "build.sh"))) return Path.Combine(dir.FullName, "apps");
        throw new DirectoryNotFoundException("apps/ not found");
    }
}
