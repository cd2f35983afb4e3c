using System.Text;
using Hearth.Cli;
using Hearth.Network;
using Hearth.Storage.Client;
using Hearth.Tests.Shared;

namespace Hearth.EndToEnd.Tests;

/// <summary>
/// Per-task inputs end to end on a local network (anvil, market, scheduler, storage, two workers running Wasmtime):
/// `hearth run --inputs &lt;folder&gt;` gives each of 100 tasks its own file, and each certified result is a copy of that
/// file; a job file's `inputs` list of URLs does the same; a job file's `tasks` gives each task its own args and env;
/// hostile `inputs` or `tasks` in a job file are refused with one line.
/// </summary>
public sealed class TaskInputsCliTests(CliNetworkFixture f) : IClassFixture<CliNetworkFixture>, IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("hearth-cli-inputs-").FullName;

    /// <summary>
    /// Copies the first file of /in whose name does not start with '.' (its first 60,000 bytes) to /out/copy: the app
    /// reads the folder, so it needs no name. Exits 20-25 when a call fails or /in holds no such file.
    /// </summary>
    private const string CopyFirstInputApp = """
        (module
          (import "wasi_snapshot_preview1" "fd_readdir" (func $fd_readdir (param i32 i32 i32 i64 i32) (result i32)))
          (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
          (memory (export "memory") 2)
          (data (i32.const 2048) "copy")
          (func $check (param $errno i32) (param $code i32)
            (if (local.get $errno) (then (call $proc_exit (local.get $code)))))
          (func (export "_start")
            (local $pos i32) (local $end i32) (local $len i32)
            (call $check (call $fd_readdir (i32.const 3) (i32.const 70000) (i32.const 4096) (i64.const 0) (i32.const 32)) (i32.const 24))
            (local.set $pos (i32.const 70000))
            (local.set $end (i32.add (i32.const 70000) (i32.load (i32.const 32))))
            (block $found
              (loop $next
                (if (i32.gt_u (i32.add (local.get $pos) (i32.const 25)) (local.get $end)) (then (call $proc_exit (i32.const 25))))
                (local.set $len (i32.load (i32.add (local.get $pos) (i32.const 16))))
                (br_if $found (i32.ne (i32.load8_u (i32.add (local.get $pos) (i32.const 24))) (i32.const 46)))
                (local.set $pos (i32.add (local.get $pos) (i32.add (i32.const 24) (local.get $len))))
                (br $next)))
            (call $check (call $path_open (i32.const 3) (i32.const 1) (i32.add (local.get $pos) (i32.const 24)) (local.get $len)
              (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 16)) (i32.const 20))
            (i32.store (i32.const 0) (i32.const 4096))
            (i32.store (i32.const 4) (i32.const 60000))
            (call $check (call $fd_read (i32.load (i32.const 16)) (i32.const 0) (i32.const 1) (i32.const 24)) (i32.const 21))
            (call $check (call $path_open (i32.const 4) (i32.const 0) (i32.const 2048) (i32.const 4)
              (i32.const 9) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 20)) (i32.const 22))
            (i32.store (i32.const 8) (i32.const 4096))
            (i32.store (i32.const 12) (i32.load (i32.const 24)))
            (call $check (call $fd_write (i32.load (i32.const 20)) (i32.const 8) (i32.const 1) (i32.const 28)) (i32.const 23))))
        """;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    [Fact]
    public async Task A_hundred_tasks_each_read_their_own_input_file_and_settle_with_a_copy_of_it()
    {
        var appId = await SetUpAsync();
        var inputs = Directory.CreateDirectory(Path.Combine(_home, "inputs")).FullName;
        const int Tasks = 100;
        for (var i = 0; i < Tasks; i++)
            await File.WriteAllTextAsync(Path.Combine(inputs, $"part-{i:D3}.txt"), $"input number {i}\n{new string((char)('a' + i % 26), i)}\n");

        var results = Path.Combine(_home, "results");
        var run = await HearthAsync("run", appId, "--inputs", inputs, "--params", "some words", "--out", results);

        Assert.True(run.Code == 0, run.Error + run.Out);
        Assert.Contains($"{Tasks} of {Tasks} certified on chain", run.Out);
        var files = Directory.GetFiles(inputs).Order(StringComparer.Ordinal).ToList();
        for (var i = 0; i < Tasks; i++)
            Assert.Equal(await File.ReadAllTextAsync(files[i]), await File.ReadAllTextAsync(Path.Combine(results, $"task-{i}", "copy")));
    }

    [Fact]
    public async Task A_job_file_lists_inputs_by_url_and_sha256()
    {
        var appId = await SetUpAsync();
        var storage = new StorageClient(StorageClient.CreateHttpClient(new Uri(f.Net.StorageUrl)));
        var entries = new StringBuilder();
        for (var i = 0; i < 3; i++)
        {
            var address = await storage.PutAsync(new MemoryStream(Encoding.UTF8.GetBytes($"served {i}\n")));
            entries.Append($"  - url: {f.Net.StorageUrl}/blobs/{address.Hex}\n    sha256: {address.Hex}\n    name: served-{i}.txt\n");
        }
        var job = Path.Combine(_home, "job.yaml");
        await File.WriteAllTextAsync(job, $"app: {appId}\nout: job-results\ninputs:\n{entries}");

        var run = await HearthAsync("run", "-f", job);

        Assert.True(run.Code == 0, run.Error + run.Out);
        for (var i = 0; i < 3; i++)
            Assert.Equal($"served {i}\n", await File.ReadAllTextAsync(Path.Combine(_home, "job-results", $"task-{i}", "copy")));
    }

    [Fact]
    public async Task A_job_files_tasks_give_each_task_its_own_args_and_env_after_the_params()
    {
        await ImportAsync();
        Assert.Equal(0, (await HearthAsync("account", "deposit", "30")).Code);
        var module = Path.Combine(_home, "write-args.wasm");
        await File.WriteAllBytesAsync(module, Wasmtime.Module.ConvertText(TestPrograms.WriteArgsAndEnv));
        var registered = await HearthAsync("app", "register", module, "--name", "write-args-" + Guid.NewGuid().ToString("N")[..6]);
        Assert.True(registered.Code == 0, registered.Error);
        var appId = registered.Out.Split(' ', '\n')[2];
        Assert.Equal(0, (await HearthAsync("order", "publish", "app", appId, "--price", "0.001", "--volume", "1000")).Code);
        var job = Path.Combine(_home, "tasks.yaml");
        await File.WriteAllTextAsync(job, $"""
            app: {appId}
            out: task-results
            params:
              args: [--deal]
              env:
                MODE: deal
                SHARED: "yes"
            tasks:
              - args: [alpha]
                env:
                  MODE: first
              - args: [beta, two words]
              - args: [gamma]
                env:
                  OWN: third
            """);

        var run = await HearthAsync("run", "-f", job);

        Assert.True(run.Code == 0, run.Error + run.Out);
        Assert.Contains("3 of 3 certified on chain", run.Out);
        string[][] args = [["--deal", "alpha"], ["--deal", "beta", "two words"], ["--deal", "gamma"]];
        string[][] env = [["MODE=first", "SHARED=yes"], ["MODE=deal", "SHARED=yes"], ["MODE=deal", "SHARED=yes", "OWN=third"]];
        for (var i = 0; i < 3; i++)
        {
            var folder = Path.Combine(_home, "task-results", $"task-{i}");
            Assert.Equal(args[i], Strings(await File.ReadAllBytesAsync(Path.Combine(folder, "args")))[1..]);
            var variables = Strings(await File.ReadAllBytesAsync(Path.Combine(folder, "env")));
            Assert.All(env[i], v => Assert.Contains(v, variables));
            Assert.Contains($"HEARTH_TASK_INDEX={i}", variables);
            Assert.Equal(i == 2, variables.Contains("OWN=third"));
        }
    }

    /// <summary>The NUL-terminated strings WASI gives a program.</summary>
    private static string[] Strings(byte[] bytes) => Encoding.UTF8.GetString(bytes).Split('\0', StringSplitOptions.RemoveEmptyEntries);

    [Theory]
    [InlineData("scalar-list.yaml", "app: 1\ninputs: [a, b]\n", "'inputs[0]' must be {url, sha256}, not a single value")]
    [InlineData("no-sha.yaml", "app: 1\ninputs:\n  - url: https://example.org/a\n", "'inputs[0]' needs url and sha256")]
    [InlineData("unknown.yaml", "app: 1\ninputs:\n  - url: https://example.org/a\n    sha256: 00\n    mode: x\n", "unknown field 'inputs[0].mode'")]
    [InlineData("bad-sha.yaml", "app: 1\ninputs:\n  - url: https://example.org/a\n    sha256: 1234\n", "sha256 of 'a' is not 0x and 64 hex digits")]
    [InlineData("file-url.yaml", "app: 1\ninputs:\n  - url: file:///etc/passwd\n    sha256: 0000000000000000000000000000000000000000000000000000000000000000\n", "is not an http(s) URL")]
    [InlineData("dot-dot.yaml", "app: 1\ninputs:\n  - url: https://example.org/x\n    name: ..\n    sha256: 0000000000000000000000000000000000000000000000000000000000000000\n", "name '..' is not a plain file name")]
    [InlineData("negative.yaml", "app: 1\ninputs:\n  - url: https://example.org/x\n    size: -1\n    sha256: 0000000000000000000000000000000000000000000000000000000000000000\n", "'inputs[0].size' must be between 0 and any (got -1)")]
    [InlineData("empty.yaml", "app: 1\ninputs: []\n", "'inputs' must be a folder or a list of {url, sha256}, not a list")]
    [InlineData("twice.yaml", "app: 1\ninputs:\n  - url: https://example.org/a\n    url: https://example.org/b\n    sha256: 00\n", "field 'inputs[0].url' appears twice")]
    [InlineData("no-folder.yaml", "app: 1\ninputs: does-not-exist\n", "is not a folder")]
    [InlineData("tasks-scalars.yaml", "app: 1\ntasks: [a, b]\n", "'tasks[0]' must be {args, env, inputs}, not a single value")]
    [InlineData("tasks-empty.yaml", "app: 1\ntasks: []\n", "'tasks' must be a list with one entry per task (args, env, inputs), not a list")]
    [InlineData("tasks-map.yaml", "app: 1\ntasks:\n  args: [a]\n", "'tasks' must be a list with one entry per task (args, env, inputs), not a set of fields")]
    [InlineData("tasks-unknown.yaml", "app: 1\ntasks:\n  - args: [a]\n  - argv: [b]\n", "unknown field 'tasks[1].argv'; a task has args, env and inputs")]
    [InlineData("tasks-args-word.yaml", "app: 1\ntasks:\n  - args: a b\n", "'tasks[0].args' must be a list, not a single value")]
    [InlineData("tasks-args-nested.yaml", "app: 1\ntasks:\n  - args: [[a]]\n", "'tasks[0].args[0]' must be a single value, not a list")]
    [InlineData("tasks-env-list.yaml", "app: 1\ntasks:\n  - env: [A=1]\n", "'tasks[0].env' must be name: value pairs, not a list")]
    [InlineData("tasks-hearth.yaml", "app: 1\ntasks:\n  - env:\n      HEARTH_TASK_INDEX: 7\n", "'tasks[0].env.HEARTH_TASK_INDEX': the HEARTH_ variables are set by the worker")]
    [InlineData("tasks-env-eq.yaml", "app: 1\ntasks:\n  - env:\n      A=B: 7\n", "'tasks[0]' env name 'A=B' is not a variable name")]
    [InlineData("tasks-twice.yaml", "app: 1\ntasks:\n  - args: [a]\n    args: [b]\n", "field 'tasks[0].args' appears twice")]
    [InlineData("tasks-bad-input.yaml", "app: 1\ntasks:\n  - inputs:\n      - url: https://example.org/a\n        sha256: 1234\n", "'tasks[0].inputs[0]': sha256 of 'a' is not 0x and 64 hex digits")]
    [InlineData("tasks-and-inputs.yaml", "app: 1\ninputs: somewhere\ntasks:\n  - args: [a]\n", "'inputs' and 'tasks' both give the tasks")]
    public async Task Hostile_inputs_in_a_job_file_are_refused_with_one_line(string name, string content, string expected)
    {
        await ImportAsync();
        var path = Path.Combine(_home, name);
        await File.WriteAllTextAsync(path, content);

        var run = await HearthAsync("run", "-f", path);

        Assert.Equal(1, run.Code);
        var error = run.Error.TrimEnd('\n');
        Assert.DoesNotContain('\n', error);
        Assert.Contains(expected, error);
        Assert.DoesNotContain("Exception", error);
    }

    [Fact]
    public async Task Absurd_tasks_in_a_job_file_are_refused_with_one_line()
    {
        await ImportAsync();
        var sha = new string('0', 64);
        var manyFiles = string.Concat(Enumerable.Range(0, 65).Select(i => $"      - {{url: https://example.org/f{i}, sha256: {sha}}}\n"));
        foreach (var (content, expected) in new[]
        {
            ("tasks:\n  - args: [" + string.Join(", ", Enumerable.Repeat("a", 257)) + "]\n", "'tasks[0].args' has 257 arguments (at most 256)"),
            ("tasks:\n  - env: {" + string.Join(", ", Enumerable.Range(0, 65).Select(i => $"V{i}: x")) + "}\n", "'tasks[0].env' has 65 variables (at most 64)"),
            ("tasks:\n  - args: [" + new string('a', 4097) + "]\n", "'tasks[0].args[0]' is 4097 characters long (at most 4096)"),
            ("tasks:\n  - args: [" + new string('é', 2049) + "]\n", "'tasks[0]' args[0] is longer than 4096 bytes"),
            ("tasks: [" + string.Join(", ", Enumerable.Repeat("{}", 100_001)) + "]\n", "'tasks' has 100001 entries (at most 100000, one per task)"),
            ("tasks:\n  - inputs:\n" + manyFiles, "'tasks[0].inputs' has 65 files (at most 64)"),
            ("volume: 3\ntasks:\n  - args: [a]\n  - args: [b]\n", "the volume (3) differs from the number of task entries (2)"),
        })
        {
            var path = Path.Combine(_home, "absurd.yaml");
            await File.WriteAllTextAsync(path, "app: 1\n" + content);

            var run = await HearthAsync("run", "-f", path);

            Assert.Equal(1, run.Code);
            var error = run.Error.TrimEnd('\n');
            Assert.DoesNotContain('\n', error);
            Assert.Contains(expected, error);
        }
    }

    [Fact]
    public async Task A_volume_other_than_the_number_of_inputs_is_refused()
    {
        await ImportAsync();
        var inputs = Directory.CreateDirectory(Path.Combine(_home, "two")).FullName;
        await File.WriteAllTextAsync(Path.Combine(inputs, "a.txt"), "a");
        await File.WriteAllTextAsync(Path.Combine(inputs, "b.txt"), "b");

        var run = await HearthAsync("run", "1", "--inputs", inputs, "--volume", "3");

        Assert.Equal(1, run.Code);
        Assert.Contains("the volume (3) differs from the number of inputs (2)", run.Error);
    }

    private async Task ImportAsync() =>
        Assert.Equal(0, (await HearthAsync("wallet", "import", "--key", f.Net.Chain.Keys[DevAccounts.FirstWorker + 5])).Code);

    private async Task<string> SetUpAsync()
    {
        await ImportAsync();
        Assert.Equal(0, (await HearthAsync("account", "deposit", "30")).Code);
        var module = Path.Combine(_home, "copy-first-input.wasm");
        await File.WriteAllBytesAsync(module, Wasmtime.Module.ConvertText(CopyFirstInputApp));
        var registered = await HearthAsync("app", "register", module, "--name", "copy-first-input-" + Guid.NewGuid().ToString("N")[..6]);
        Assert.True(registered.Code == 0, registered.Error);
        var appId = registered.Out.Split(' ', '\n')[2];
        Assert.Equal(0, (await HearthAsync("order", "publish", "app", appId, "--price", "0.001", "--volume", "1000")).Code);
        return appId;
    }

    private Task<(int Code, string Out, string Error)> HearthAsync(params string[] args) => HearthCli.RunAsync(_home, f.Profile, args);
}
