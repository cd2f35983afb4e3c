using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using Hearth.Protocol.WorkerApi;
using Hearth.Sandbox.Apps;
using Hearth.Worker.Execution;

namespace Hearth.Worker.Tests;

/// <summary>
/// A worker runs an app bundle: it fetches the manifest's parts by sha256, unpacks each tree once into its cache and shows
/// it read-only at its mount; the manifest's args come first and its env is overlaid by the request's. A bundle that is
/// invalid, names a missing, wrong or oversized part, or holds a hostile tree fails the replicate with a reason naming the
/// problem, and leaves no tree in the cache that a later run would trust.
/// </summary>
public sealed class AppBundleTests(ITestOutputHelper output)
{
    private static string Share => Path.Combine(TestNetwork.RepositoryRoot, "apps", "wordsort", "share");

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static string Part(string mount, byte[] bytes) => $$"""{"mount":"{{mount}}","sha256":"{{Sha256(bytes)}}","size":{{bytes.Length}}}""";

    private static string Manifest(byte[] module, string trees, string extra = "") =>
        $$"""{"format":"hearth-app/1","module":{"sha256":"{{Sha256(module)}}","size":{{module.Length}}},"trees":[{{trees}}]{{extra}}}""";

    private static byte[] ShareTree()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.Delete(path);
            AppTreeArchive.Pack(Share, path, 1 << 20, 100);
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static byte[] Tar(params PaxTarEntry[] entries)
    {
        using var bytes = new MemoryStream();
        using (var writer = new TarWriter(bytes, TarEntryFormat.Pax, leaveOpen: true))
            foreach (var entry in entries) writer.WriteEntry(entry);
        return bytes.ToArray();
    }

    private static PaxTarEntry File_(string name, string content) => new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) };

    private async Task<(TestNetwork Network, WorkerHandle Worker)> StartAsync(Action<WorkerOptions>? configure = null)
    {
        var network = await TestNetwork.StartAsync(output);
        var options = network.WorkerOptions(1);
        configure?.Invoke(options);
        return (network, await network.StartWorkerAsync(options));
    }

    private static string TreeCache(TestNetwork network) => network.Root.Sub("worker-1/cache/app-trees");

    [Fact]
    public async Task A_bundle_runs_with_its_tree_read_only_its_args_first_and_its_env_under_the_requests()
    {
        var (network, worker) = await StartAsync();
        await using var _ = network;
        var module = await File.ReadAllBytesAsync(TestNetwork.App("wordsort"));
        var tree = ShareTree();
        await network.PutAsync(module);
        await network.PutAsync(tree);
        var app = await network.PutAsync(Encoding.UTF8.GetBytes(Manifest(module, Part("/share", tree),
            ""","args":["--run-words","2"],"env":{"WORDSORT_MIN_LENGTH":"3","UNUSED":"x"}""")));

        // The request's env wins over the manifest's: words of 3 letters (fig) are then dropped.
        var assignment = network.Assign(worker.Address, app, ["apple", "pear", "apple", "fig", "zebra", "the", "winter"]) with
        {
            Environment = new Dictionary<string, string> { ["WORDSORT_MIN_LENGTH"] = "4" },
        };
        network.Scheduler.Enqueue(worker.Address, assignment);
        var report = await network.Scheduler.WaitForAsync(s => s.Contributions.FirstOrDefault(c => c.ReplicateId == assignment.ReplicateId).Report, "the contribution");

        var files = ReadTar(await network.DownloadAsync(report.Digest));
        Assert.Equal("apple 2\npear 1\nwinter 1\n", files["words.txt"]);
        Assert.Contains("runs 2\n", files["summary.txt"]);
        Assert.True(Directory.Exists(Path.Combine(TreeCache(network), Sha256(tree))));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(TreeCache(network), ".incoming")));
    }

    public static TheoryData<string> Hostile =>
        ["mount-in-tmp", "missing-part", "size-understated", "size-overstated", "over-max-app-bytes", "tree-with-link", "tree-with-dot-dot",
            "needs-more-memory", "huge-manifest", "nested-manifest"];

    [Theory, MemberData(nameof(Hostile))]
    public async Task A_hostile_bundle_fails_the_replicate_with_a_clear_reason_and_leaves_no_tree(string attack)
    {
        var (network, worker) = await StartAsync(o => o.MaxAppBytes = 1L << 20);
        await using var _ = network;
        var module = await File.ReadAllBytesAsync(TestNetwork.App("wordsort"));
        await network.PutAsync(module);
        var tree = ShareTree();
        await network.PutAsync(tree);
        var linked = Tar(File_("ok.txt", "ok"), new PaxTarEntry(TarEntryType.SymbolicLink, "etc") { LinkName = "/etc" });
        var dotDot = Tar(File_("ok.txt", "ok"), File_("../../escaped.txt", "owned"));
        await network.PutAsync(linked);
        await network.PutAsync(dotDot);
        var nested = Encoding.UTF8.GetBytes(Manifest(module, ""));
        await network.PutAsync(nested);

        var (manifest, kind, reason) = attack switch
        {
            "mount-in-tmp" => (Manifest(module, Part("/tmp/share", tree)), FailureKinds.InvalidApp, "mount '/tmp/share' is at or under /tmp"),
            "missing-part" => (Manifest(module, Part("/share", [1, 2, 3])), FailureKinds.Download, "app bundle tree /share"),
            "size-understated" => (Manifest(module, Part("/share", tree).Replace($"\"size\":{tree.Length}", "\"size\":100")), FailureKinds.Download, "its size in the manifest"),
            "size-overstated" => (Manifest(module, Part("/share", tree).Replace($"\"size\":{tree.Length}", $"\"size\":{tree.Length + 1}")), FailureKinds.InvalidApp, $"not the {tree.Length + 1} the manifest"),
            "over-max-app-bytes" => (Manifest(module, Part("/share", tree).Replace($"\"size\":{tree.Length}", "\"size\":2000000")), FailureKinds.InvalidApp, "more than Worker:MaxAppBytes"),
            "tree-with-link" => (Manifest(module, Part("/share", linked)), FailureKinds.InvalidApp, "holds links"),
            "tree-with-dot-dot" => (Manifest(module, Part("/share", dotDot)), FailureKinds.InvalidApp, "'..'"),
            "needs-more-memory" => (Manifest(module, Part("/share", tree), ""","needs":{"memoryBytes":1073741824}"""), FailureKinds.AppNeedsUnmet, "needs 1073741824 bytes of memory"),
            "huge-manifest" => (Manifest(module, Part("/share", tree), $",\"args\":[\"{new string('x', 70_000)}\"]"), FailureKinds.InvalidApp, "more than the 65536 allowed"),
            _ => (Manifest(nested, ""), FailureKinds.InvalidApp, "is a manifest, not a module"),
        };
        var app = await network.PutAsync(Encoding.UTF8.GetBytes(manifest));

        var failure = await FailureAsync(network, worker, app);

        Assert.Equal(kind, failure.Kind);
        Assert.Contains(reason, failure.Reason);
        var cache = TreeCache(network);
        if (Directory.Exists(cache))
        {
            // Only whole trees have a folder under their sha256: none of the refused ones, and nothing half-unpacked.
            Assert.DoesNotContain(Sha256(linked), Directory.EnumerateDirectories(cache).Select(Path.GetFileName));
            Assert.DoesNotContain(Sha256(dotDot), Directory.EnumerateDirectories(cache).Select(Path.GetFileName));
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(cache, ".incoming")));
        }
        Assert.DoesNotContain(Directory.EnumerateFiles(network.Root.Path, "escaped.txt", SearchOption.AllDirectories), _ => true);
    }

    [Fact]
    public async Task A_part_whose_bytes_hash_wrong_fails_the_replicate_as_integrity()
    {
        var module = await File.ReadAllBytesAsync(TestNetwork.App("wordsort"));
        var tree = ShareTree();
        var manifest = Encoding.UTF8.GetBytes(Manifest(module, Part("/share", tree)));
        var manifestSha = Sha256(manifest);
        // A storage that serves the manifest and the module, and other bytes of the right length for the tree.
        await using var server = await HostileServer.StartAsync(async (http, ct) =>
        {
            var path = http.Request.Path.Value ?? "";
            var body = path.EndsWith(manifestSha, StringComparison.Ordinal) ? manifest
                : path.EndsWith(Sha256(module), StringComparison.Ordinal) ? module : new byte[tree.Length];
            http.Response.ContentLength = body.Length;
            await http.Response.Body.WriteAsync(body, ct);
        }, output);
        var (network, worker) = await StartAsync(o => o.AllowedDownloadHosts = ["127.0.0.1"]);
        await using var _ = network;

        var failure = await FailureAsync(network, worker, new AssetRef("1", "0x" + manifestSha, server.LocationOf(manifestSha)));

        Assert.Equal(FailureKinds.Integrity, failure.Kind);
        Assert.Contains("app bundle tree /share bytes do not match sha256", failure.Reason);
        Assert.False(Directory.Exists(Path.Combine(TreeCache(network), Sha256(tree))));
    }

    private async Task<FailureReport> FailureAsync(TestNetwork network, WorkerHandle worker, AssetRef app)
    {
        var assignment = network.Assign(worker.Address, app, []);
        network.Scheduler.Enqueue(worker.Address, assignment);
        var failure = await network.Scheduler.WaitForAsync(s => s.Failures.FirstOrDefault(f => f.ReplicateId == assignment.ReplicateId).Report, "the failure report");
        Assert.Empty(network.Scheduler.Read(s => s.Contributions.ToList()));
        output.WriteLine($"REASON {failure.Kind}: {failure.Reason}");
        return failure;
    }

    private static Dictionary<string, string> ReadTar(byte[] archive)
    {
        var files = new Dictionary<string, string>();
        using var reader = new TarReader(new MemoryStream(archive));
        while (reader.GetNextEntry(copyData: true) is { } entry)
            if (entry.DataStream is { } data) files[entry.Name] = new StreamReader(data).ReadToEnd();
        return files;
    }
}
