using System.Text;
using Hearth.Protocol;
using Hearth.Protocol.Deals;
using Hearth.Protocol.WorkerApi;
using Hearth.Worker.Execution;
using Microsoft.AspNetCore.Http;
using Hearth.Tests.Shared;

namespace Hearth.Worker.Tests;

/// <summary>
/// A task's own input files (<see cref="Assignment.Inputs"/>), fetched by URL from a server on loopback: each task sees
/// its own file under /in; an endless, crawling, oversized or wrongly hashed body, a refused address or a hostile name
/// fails that replicate with a clear reason, and the worker goes on to its next task.
/// </summary>
public sealed class TaskInputsTests(ITestOutputHelper output)
{
    private const int OneMiB = 1 << 20;
    private static readonly byte[] Flood = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("0123456789abcdef", 4096)));

    private static InputFile Input(string name, string url, byte[] content, long? size = null) =>
        new(name, url, Hash32.Sha256(content).ToString(), size ?? content.Length);

    /// <summary>Serves /files/&lt;anything&gt; as "content of &lt;anything&gt;"; any other path gets <paramref name="hostile"/>.</summary>
    private Task<HostileServer> ServerAsync(Func<HttpContext, CancellationToken, Task>? hostile = null) =>
        HostileServer.StartAsync((http, ct) => http.Request.Path.StartsWithSegments("/files", out var rest)
            ? http.Response.Body.WriteAsync(Content(rest.Value!.Trim('/')), ct).AsTask()
            : (hostile ?? ((h, _) => { h.Response.StatusCode = 404; return Task.CompletedTask; }))(http, ct), output);

    private static byte[] Content(string name) => Encoding.UTF8.GetBytes($"content of {name}\n");

    private static WorkerOptions Options(TestNetwork network, bool allowLoopback = true)
    {
        var options = network.WorkerOptions(1);
        if (allowLoopback) options.AllowedDownloadHosts = ["*", "127.0.0.1"];
        options.DownloadAttempts = 1;
        options.MaxDatasetBytes = OneMiB;
        return options;
    }

    private static async Task<ContributionReport> ContributionAsync(TestNetwork network, Assignment assignment) =>
        await network.Scheduler.WaitForAsync(s => s.Contributions.FirstOrDefault(c => c.ReplicateId == assignment.ReplicateId).Report, $"the contribution of task {assignment.TaskIndex}");

    private async Task<FailureReport> FailureAsync(TestNetwork network, Assignment assignment)
    {
        var failure = await network.Scheduler.WaitForAsync(s => s.Failures.FirstOrDefault(f => f.ReplicateId == assignment.ReplicateId).Report, $"the failure of {assignment.ReplicateId}");
        output.WriteLine($"REASON {failure.Kind}: {failure.Reason}");
        return failure;
    }

    private static async Task<string> ResultAsync(TestNetwork network, Assignment assignment)
    {
        var report = await ContributionAsync(network, assignment);
        Assert.True(report.ExitCode == 0, $"the app could not copy its input: exit code {report.ExitCode}");
        return Encoding.UTF8.GetString(await network.DownloadAsync(report.Digest));
    }

    [Fact]
    public async Task Each_task_sees_its_own_file_by_url_under_in()
    {
        await using var network = await TestNetwork.StartAsync(output);
        await using var server = await ServerAsync();
        var worker = await network.StartWorkerAsync(Options(network));
        var app = await network.PutAsync(TestPrograms.CopyFromInBytes("input.txt"));
        var assignments = Enumerable.Range(0, 3).Select(i => network.Assign(worker.Address, app, [], index: i) with
        {
            Inputs = [Input("input.txt", $"{server.BaseUrl}files/part-{i}", Content($"part-{i}"))],
        }).ToList();
        foreach (var a in assignments) network.Scheduler.Enqueue(worker.Address, a);

        for (var i = 0; i < assignments.Count; i++)
            Assert.Contains($"content of part-{i}\n", await ResultAsync(network, assignments[i]));
    }

    [Fact]
    public async Task Input_files_sit_beside_the_dataset_and_may_not_replace_its_entries()
    {
        await using var network = await TestNetwork.StartAsync(output);
        await using var server = await ServerAsync();
        var worker = await network.StartWorkerAsync(Options(network));
        var dataset = await network.PutAsync("the dataset\n"u8.ToArray(), name: "shared.txt");
        var beside = network.Assign(worker.Address, await network.PutAsync(TestPrograms.CopyFromInBytes("own.txt")), [], dataset: dataset) with
        {
            Inputs = [Input("own.txt", $"{server.BaseUrl}files/own", Content("own"))],
        };
        network.Scheduler.Enqueue(worker.Address, beside);
        Assert.Contains("content of own\n", await ResultAsync(network, beside));

        var clash = network.Assign(worker.Address, await network.PutAsync(TestPrograms.CopyFromInBytes("shared.txt")), [], dataset: dataset, index: 1) with
        {
            Inputs = [Input("shared.txt", $"{server.BaseUrl}files/other", Content("other"))],
        };
        network.Scheduler.Enqueue(worker.Address, clash);
        var failure = await FailureAsync(network, clash);
        Assert.Equal(FailureKinds.InvalidAssignment, failure.Kind);
        Assert.Contains("'shared.txt' has the name of an entry of the dataset", failure.Reason);
    }

    public static TheoryData<string> HostileBodies => ["endless", "crawl", "trickle", "over-declared-size", "over-the-cap", "wrong-hash", "refused-address", "not-found"];

    [Theory]
    [MemberData(nameof(HostileBodies))]
    public async Task A_hostile_input_fails_its_replicate_with_a_reason_and_the_worker_goes_on(string attack)
    {
        await using var network = await TestNetwork.StartAsync(output);
        await using var server = await ServerAsync(attack switch
        {
            "endless" or "over-declared-size" => (http, ct) => HostileServer.FloodAsync(http, Flood, bytes: null, ct),
            "crawl" => (http, ct) => HostileServer.DripAsync(http, TimeSpan.FromSeconds(1), bytes: null, ct),
            "trickle" => (http, ct) => HostileServer.DripAsync(http, TimeSpan.FromMilliseconds(50), bytes: null, ct),
            "over-the-cap" => (http, ct) => HostileServer.FloodAsync(http, Flood, bytes: 2L * OneMiB, ct),
            "wrong-hash" or "refused-address" => (http, ct) => http.Response.Body.WriteAsync("not what was pinned"u8.ToArray(), ct).AsTask(),
            _ => null,
        });
        var options = Options(network, allowLoopback: attack != "refused-address");
        options.DownloadIdleTimeout = attack == "crawl" ? TimeSpan.FromMilliseconds(400) : TimeSpan.FromSeconds(30);
        if (attack == "trickle") options.DownloadTimeout = TimeSpan.FromSeconds(1);
        var worker = await network.StartWorkerAsync(options);
        var app = await network.PutAsync(TestPrograms.CopyFromInBytes("input.txt"));
        var hostile = attack switch
        {
            "over-declared-size" => new InputFile("input.txt", $"{server.BaseUrl}hostile", Hash32.Sha256("x"u8).ToString(), 1000),
            _ => new InputFile("input.txt", $"{server.BaseUrl}hostile", Hash32.Sha256("what was pinned"u8).ToString(), null),
        };
        var bad = network.Assign(worker.Address, app, [], index: 0) with { Inputs = [hostile] };
        var good = network.Assign(worker.Address, app, [], index: 1) with
        {
            Inputs = [Input("input.txt", $"{network.Storage.BaseUrl}blobs/{Hash32.Sha256(Content("next")).ToPlainHex()}", Content("next"))],
        };
        await network.StorageClient.PutAsync(new MemoryStream(Content("next")));
        network.Scheduler.Enqueue(worker.Address, bad);

        var failure = await FailureAsync(network, bad);
        var expected = attack switch
        {
            "endless" or "over-the-cap" => (FailureKinds.Download, "Worker:MaxDatasetBytes (1048576 bytes)"),
            "crawl" => (FailureKinds.Download, "Worker:DownloadIdleTimeout"),
            "trickle" => (FailureKinds.Download, "Worker:DownloadTimeout"),
            "over-declared-size" => (FailureKinds.Download, "the size the input list declares for 'input.txt' (1000 bytes)"),
            "wrong-hash" => (FailureKinds.Integrity, $"input file 'input.txt' bytes do not match sha256 {hostile.Sha256[2..]}"),
            "refused-address" => (FailureKinds.Download, "refused to connect to 127.0.0.1"),
            _ => (FailureKinds.Download, "answered 404"),
        };
        Assert.Equal(expected.Item1, failure.Kind);
        Assert.Contains(expected.Item2, failure.Reason);
        Assert.Contains("input file 'input.txt'", failure.Reason);
        Assert.Empty(Directory.EnumerateFiles(network.Root.Sub("worker-1/work"), "input.txt", SearchOption.AllDirectories));

        network.Scheduler.Enqueue(worker.Address, good);
        Assert.Contains("content of next\n", await ResultAsync(network, good));
    }

    [Fact]
    public async Task A_download_still_running_at_the_deadline_is_stopped_and_the_replicate_given_back()
    {
        await using var network = await TestNetwork.StartAsync(output);
        // A byte every 100 ms: never idle for the worker's timeouts, never done before the task's deadline.
        await using var server = await ServerAsync((http, ct) => HostileServer.DripAsync(http, TimeSpan.FromMilliseconds(100), bytes: null, ct));
        var options = Options(network);
        options.DownloadIdleTimeout = TimeSpan.FromSeconds(30);
        options.DownloadTimeout = TimeSpan.FromMinutes(10);
        var worker = await network.StartWorkerAsync(options);
        var assignment = network.Assign(worker.Address, await network.PutAsync(TestPrograms.CopyFromInBytes("input.txt")), []) with
        {
            Inputs = [new InputFile("input.txt", $"{server.BaseUrl}trickle", Hash32.Sha256("x"u8).ToString(), null)],
            Deadline = DateTimeOffset.UtcNow.AddSeconds(10),
        };
        network.Scheduler.Enqueue(worker.Address, assignment);

        var failure = await FailureAsync(network, assignment);
        Assert.Equal(FailureKinds.DeadlinePassed, failure.Kind);
        Assert.Equal(AnswerEnd.Aborted, await server.AnswerEndAsync());
    }

    public static TheoryData<string> HostileNames => ["../escape.txt", "a/b.txt", ".hidden", "", "back\\slash", "con\ntrol", new string('n', 129)];

    [Theory]
    [MemberData(nameof(HostileNames))]
    public async Task A_hostile_name_is_refused_before_anything_is_fetched_or_written(string name)
    {
        await using var network = await TestNetwork.StartAsync(output);
        await using var server = await ServerAsync();
        var worker = await network.StartWorkerAsync(Options(network));
        var assignment = network.Assign(worker.Address, await network.PutAsync(TestPrograms.CopyFromInBytes("input.txt")), []) with
        {
            Inputs = [Input(name, $"{server.BaseUrl}files/x", Content("x"))],
        };
        network.Scheduler.Enqueue(worker.Address, assignment);

        var failure = await FailureAsync(network, assignment);
        Assert.Equal(FailureKinds.InvalidAssignment, failure.Kind);
        Assert.Contains("is not a plain file name", failure.Reason);
        Assert.Equal(0, server.Requests);
        Assert.False(File.Exists(network.Root.Sub("worker-1/work/escape.txt")), "nothing is written outside the input folder");
    }

    [Fact]
    public async Task A_name_given_twice_and_a_url_that_is_not_http_are_refused()
    {
        await using var network = await TestNetwork.StartAsync(output);
        var worker = await network.StartWorkerAsync(Options(network));
        var app = await network.PutAsync(TestPrograms.CopyFromInBytes("input.txt"));
        var twice = network.Assign(worker.Address, app, []) with
        {
            Inputs = [Input("input.txt", "http://127.0.0.1:1/a", "a"u8.ToArray()), Input("INPUT.txt", "http://127.0.0.1:1/b", "b"u8.ToArray())],
        };
        var file = network.Assign(worker.Address, app, [], index: 1) with { Inputs = [Input("input.txt", "file:///etc/passwd", "x"u8.ToArray())] };
        network.Scheduler.Enqueue(worker.Address, twice);
        network.Scheduler.Enqueue(worker.Address, file);

        Assert.Contains("'INPUT.txt' is named twice", (await FailureAsync(network, twice)).Reason);
        Assert.Contains("is not an http(s) URL", (await FailureAsync(network, file)).Reason);
    }
}
