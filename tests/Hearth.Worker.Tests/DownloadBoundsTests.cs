using System.Text;
using Hearth.Protocol;
using Hearth.Protocol.WorkerApi;
using Hearth.Worker.Execution;

namespace Hearth.Worker.Tests;

/// <summary>
/// Downloads from hostile locations: a real worker fetches an app or a dataset from a server on loopback that answers
/// with an endless, lying, slow or huge-error body, or from an address it must not reach at all.
/// </summary>
public sealed class DownloadBoundsTests(ITestOutputHelper output)
{
    private const int OneMiB = 1 << 20;
    private static readonly byte[] Flood = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("0123456789abcdef", 4096)));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Endless_body_stops_at_the_cap_with_nothing_left_in_the_cache(bool dataset)
    {
        await using var network = await TestNetwork.StartAsync(output);
        await using var server = await HostileServer.StartAsync((http, ct) => HostileServer.FloodAsync(http, Flood, bytes: null, ct), output);
        var options = HostileOptions(network);
        options.MaxAppBytes = OneMiB;
        options.MaxDatasetBytes = OneMiB;
        var worker = await network.StartWorkerAsync(options);
        var hostile = AssetAt(server.LocationOf);
        var assignment = dataset
            ? network.Assign(worker.Address, await network.PutFileAsync(TestNetwork.App("montecarlo")), ["1000", "1"], dataset: hostile)
            : network.Assign(worker.Address, hostile, []);
        network.Scheduler.Enqueue(worker.Address, assignment);

        var failure = await FailureOf(network, assignment);

        Assert.Equal(FailureKinds.Download, failure.Kind);
        Assert.Contains(dataset ? "Worker:MaxDatasetBytes (1048576 bytes)" : "Worker:MaxAppBytes (1048576 bytes)", failure.Reason);
        Assert.Contains(server.BaseUrl.Authority, failure.Reason);
        Assert.Equal(AnswerEnd.Aborted, await server.AnswerEndAsync());
        Assert.Empty(FilesIn(network.Root.Sub("worker-1/cache/blobs"), except: dataset ? assignment.App.Checksum : null));
    }

    [Fact]
    public async Task Declared_length_over_the_cap_is_refused_before_the_body_is_read()
    {
        await using var network = await TestNetwork.StartAsync(output);
        // It declares 64 MiB and then sends a byte a second: reading it at all would take the test's whole time.
        await using var server = await HostileServer.StartAsync((http, ct) =>
        {
            http.Response.ContentLength = 64L * OneMiB;
            return HostileServer.DripAsync(http, TimeSpan.FromSeconds(1), bytes: null, ct);
        }, output);
        var options = HostileOptions(network);
        options.MaxAppBytes = OneMiB;
        var failure = await FailureFetchingAsync(network, options, server.LocationOf);

        Assert.Equal(FailureKinds.Download, failure.Kind);
        Assert.Contains("declared 67108864 bytes, more than Worker:MaxAppBytes (1048576 bytes)", failure.Reason);
        Assert.Equal(AnswerEnd.Aborted, await server.AnswerEndAsync());
        Assert.Empty(FilesIn(network.Root.Sub("worker-1/cache/blobs")));
    }

    [Fact]
    public async Task Lying_content_length_does_not_stretch_the_cap()
    {
        await using var network = await TestNetwork.StartAsync(output);
        // Declares 1000 bytes, then sends endless chunks: the chunked framing wins, so only counting the bytes stops it.
        await using var server = LyingServer.Start(
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\nTransfer-Encoding: chunked\r\n");
        var options = HostileOptions(network);
        options.MaxAppBytes = OneMiB;
        var failure = await FailureFetchingAsync(network, options, server.LocationOf);

        Assert.Equal(FailureKinds.Download, failure.Kind);
        Assert.Contains("Worker:MaxAppBytes (1048576 bytes)", failure.Reason);
        // The server could write what the socket buffers hold beyond the cap, not more.
        Assert.InRange(await server.FirstAnswerEndedAsync(), 0, 64L * OneMiB);
        Assert.Empty(FilesIn(network.Root.Sub("worker-1/cache/blobs")));
    }

    [Fact]
    public async Task Body_sending_one_byte_a_second_hits_the_idle_timeout()
    {
        await using var network = await TestNetwork.StartAsync(output);
        await using var server = await HostileServer.StartAsync((http, ct) => HostileServer.DripAsync(http, TimeSpan.FromSeconds(1), bytes: null, ct), output);
        var options = HostileOptions(network);
        options.DownloadIdleTimeout = TimeSpan.FromMilliseconds(400);
        var failure = await FailureFetchingAsync(network, options, server.LocationOf);

        Assert.Equal(FailureKinds.Download, failure.Kind);
        Assert.Contains("Worker:DownloadIdleTimeout", failure.Reason);
        Assert.Equal(AnswerEnd.Aborted, await server.AnswerEndAsync());
        Assert.Empty(FilesIn(network.Root.Sub("worker-1/cache/blobs")));
    }

    [Fact]
    public async Task Trickle_that_is_never_idle_hits_the_total_timeout()
    {
        await using var network = await TestNetwork.StartAsync(output);
        await using var server = await HostileServer.StartAsync((http, ct) => HostileServer.DripAsync(http, TimeSpan.FromMilliseconds(50), bytes: null, ct), output);
        var options = HostileOptions(network);
        options.DownloadIdleTimeout = TimeSpan.FromSeconds(20);
        options.DownloadTimeout = TimeSpan.FromSeconds(1);
        var failure = await FailureFetchingAsync(network, options, server.LocationOf);

        Assert.Equal(FailureKinds.Download, failure.Kind);
        Assert.Contains("Worker:DownloadTimeout", failure.Reason);
        Assert.Equal(AnswerEnd.Aborted, await server.AnswerEndAsync());
    }

    [Theory]
    [InlineData(500, "text/plain")]
    [InlineData(404, "application/problem+json")]
    [InlineData(403, "text/html")]
    public async Task Ten_megabyte_error_body_is_neither_read_whole_nor_quoted(int status, string contentType)
    {
        const string secret = "INTERNAL-SECRET-FROM-THE-REMOTE ";
        var fill = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(secret, 2048)));
        await using var network = await TestNetwork.StartAsync(output);
        await using var server = await HostileServer.StartAsync(async (http, ct) =>
        {
            http.Response.StatusCode = status;
            http.Response.ContentType = contentType;
            if (contentType.EndsWith("json", StringComparison.Ordinal))
                await http.Response.Body.WriteAsync(Encoding.ASCII.GetBytes("{\"title\":\"" + secret + "\",\"detail\":\""), ct);
            await HostileServer.FloodAsync(http, fill, bytes: 10_000_000, ct);
        }, output);
        var worker = await network.StartWorkerAsync(HostileOptions(network));
        var assignment = network.Assign(worker.Address, AssetAt(server.LocationOf), []);
        network.Scheduler.Enqueue(worker.Address, assignment);

        var failure = await FailureOf(network, assignment);

        Assert.Equal(FailureKinds.Download, failure.Kind);
        Assert.Contains($"{server.BaseUrl.Authority} answered {status}", failure.Reason);
        Assert.DoesNotContain("INTERNAL-SECRET", failure.Reason);
        Assert.Equal(AnswerEnd.Aborted, await server.AnswerEndAsync());
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address")]
    [InlineData("http://[::ffff:169.254.169.254]/", "is a link-local address")]
    [InlineData("http://[fe80::a9fe:a9fe]:8080/", "fe80::a9fe:a9fe is a link-local address")]
    public async Task Link_local_location_is_refused(string location, string reason)
    {
        await using var network = await TestNetwork.StartAsync(output);
        var options = network.WorkerOptions(1);
        options.DownloadAttempts = 1;
        var failure = await FailureFetchingAsync(network, options, hex => $"{location}blobs/{hex}");

        Assert.Equal(FailureKinds.Download, failure.Kind);
        Assert.Contains(reason, failure.Reason);
        Assert.Contains("Worker:AllowedDownloadHosts", failure.Reason);
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1 is a loopback address")]
    [InlineData("localhost", "is a loopback address")]
    [InlineData("0.0.0.0", "0.0.0.0 is an unspecified address")]
    public async Task Loopback_location_other_than_the_workers_storage_is_refused_before_any_connection(string host, string reason)
    {
        await using var network = await TestNetwork.StartAsync(output);
        await using var server = await HostileServer.StartAsync((http, ct) => HostileServer.FloodAsync(http, Flood, bytes: null, ct), output);
        var options = network.WorkerOptions(1);
        options.DownloadAttempts = 1;
        var failure = await FailureFetchingAsync(network, options, hex => $"http://{host}:{server.BaseUrl.Port}/blobs/{hex}");

        Assert.Equal(FailureKinds.Download, failure.Kind);
        Assert.Contains(reason, failure.Reason);
        Assert.Equal(0, server.Connections);
    }

    [Fact]
    public async Task Shared_download_ends_when_its_last_waiter_is_cancelled()
    {
        await using var network = await TestNetwork.StartAsync(output);
        await using var server = await HostileServer.StartAsync((http, ct) => HostileServer.DripAsync(http, TimeSpan.FromMilliseconds(100), bytes: null, ct), output);
        var options = HostileOptions(network);
        options.Slots = 2;
        var worker = await network.StartWorkerAsync(options);
        var app = AssetAt(server.LocationOf);
        network.Scheduler.Enqueue(worker.Address, network.Assign(worker.Address, app, [], replicateId: "replicate-1", index: 0));
        network.Scheduler.Enqueue(worker.Address, network.Assign(worker.Address, app, [], replicateId: "replicate-2", index: 1));
        await network.Scheduler.WaitForAsync(s => s.Progress.Count(p => p.Stage == ProgressStages.Downloading) >= 2 ? "both" : null, "both replicates downloading");
        await server.FirstRequest.WaitAsync(TimeSpan.FromSeconds(60));

        network.Scheduler.Cancel(worker.Address, "replicate-1");
        await HeartbeatsAsync(network, 3);

        // One waiter is left: the download it shares goes on.
        Assert.Equal(1, server.Requests);
        Assert.False(server.HasEnded(), "the shared download ended while a replicate still waited for it");

        network.Scheduler.Cancel(worker.Address, "replicate-2");

        Assert.Equal(AnswerEnd.Aborted, await server.AnswerEndAsync());
        Assert.Equal(1, server.Requests);
        Assert.Empty(network.Scheduler.Read(s => s.Failures.ToList()));
    }

    [Fact]
    public async Task Download_ends_at_the_replicates_deadline()
    {
        await using var network = await TestNetwork.StartAsync(output);
        await using var server = await HostileServer.StartAsync((http, ct) => HostileServer.DripAsync(http, TimeSpan.FromMilliseconds(100), bytes: null, ct), output);
        var worker = await network.StartWorkerAsync(HostileOptions(network));
        var assignment = network.Assign(worker.Address, AssetAt(server.LocationOf), []) with { Deadline = DateTimeOffset.UtcNow.AddSeconds(3) };
        network.Scheduler.Enqueue(worker.Address, assignment);

        var failure = await FailureOf(network, assignment);

        Assert.Equal(FailureKinds.DeadlinePassed, failure.Kind);
        Assert.Equal(AnswerEnd.Aborted, await server.AnswerEndAsync());
    }

    /// <summary>The test network's worker 1, allowed to fetch from the hostile servers on loopback, one attempt per asset.</summary>
    private static WorkerOptions HostileOptions(TestNetwork network)
    {
        var options = network.WorkerOptions(1);
        options.AllowedDownloadHosts = ["*", "127.0.0.1"];
        options.DownloadAttempts = 1;
        return options;
    }

    /// <summary>An asset registered with some checksum and a location the test chooses.</summary>
    private static AssetRef AssetAt(Func<string, string> location)
    {
        var checksum = Hash32.Sha256(Encoding.UTF8.GetBytes($"asset-{Guid.NewGuid()}"));
        return new AssetRef("1", checksum.ToString(), location(checksum.ToPlainHex()));
    }

    /// <summary>Starts a worker with <paramref name="options"/>, assigns it a task whose app is fetched from
    /// <paramref name="location"/>, and waits for the failure it reports.</summary>
    private static async Task<FailureReport> FailureFetchingAsync(TestNetwork network, WorkerOptions options, Func<string, string> location)
    {
        var worker = await network.StartWorkerAsync(options);
        var assignment = network.Assign(worker.Address, AssetAt(location), []);
        network.Scheduler.Enqueue(worker.Address, assignment);
        return await FailureOf(network, assignment);
    }

    private static async Task<FailureReport> FailureOf(TestNetwork network, Assignment assignment) =>
        await network.Scheduler.WaitForAsync(s => s.Failures.FirstOrDefault(f => f.ReplicateId == assignment.ReplicateId).Report, $"the failure of {assignment.ReplicateId}");

    private static async Task HeartbeatsAsync(TestNetwork network, int count)
    {
        var seen = network.Scheduler.Read(s => s.Heartbeats.Count);
        await network.Scheduler.WaitForAsync(s => s.Heartbeats.Count >= seen + count ? "enough" : null, $"{count} more heartbeats");
    }

    /// <summary>Every file under <paramref name="folder"/>, except the cached blob <paramref name="except"/> (0x-hex).</summary>
    private static List<string> FilesIn(string folder, string? except = null) =>
        Directory.Exists(folder)
            ? [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Where(file => except is null || Path.GetFileName(file) != except[2..].ToLowerInvariant())]
            : [];
}
