using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Hearth.Protocol.WorkerApi;
using Hearth.Worker.Execution;
using Hearth.Tests.Shared;

namespace Hearth.Worker.Tests;

/// <summary>
/// Where a dataset appears in /in: a file under its registered name (else /in/dataset), a tar or gzip-compressed tar as a
/// read-only tree. Hostile and corrupt archives fail the replicate as <c>invalid-dataset</c> and write nothing outside
/// the input folder.
/// </summary>
public sealed class DatasetInputTests(ITestOutputHelper output)
{
    private sealed record Entry(string Name, TarEntryType Type = TarEntryType.RegularFile, byte[]? Content = null, string? Link = null);

    private static byte[] Tar(params Entry[] entries)
    {
        using var bytes = new MemoryStream();
        using (var writer = new TarWriter(bytes, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var e in entries)
            {
                var entry = new PaxTarEntry(e.Type, e.Name);
                if (e.Link is not null) entry.LinkName = e.Link;
                if (e.Content is not null) entry.DataStream = new MemoryStream(e.Content);
                writer.WriteEntry(entry);
            }
        }
        return bytes.ToArray();
    }

    private static byte[] MetadataBomb()
    {
        using var bytes = new MemoryStream();
        using (var writer = new TarWriter(bytes, TarEntryFormat.Pax, leaveOpen: true))
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "x", new Dictionary<string, string> { ["comment"] = new string('a', 3 << 20) }));
        return bytes.ToArray();
    }

    private static byte[] Gzip(byte[] content)
    {
        using var bytes = new MemoryStream();
        using (var gzip = new GZipStream(bytes, CompressionLevel.SmallestSize, leaveOpen: true))
            gzip.Write(content);
        return bytes.ToArray();
    }

    private async Task<(TestNetwork Network, WorkerHandle Worker)> StartAsync(Action<WorkerOptions>? configure = null)
    {
        var network = await TestNetwork.StartAsync(output);
        var options = network.WorkerOptions(1);
        configure?.Invoke(options);
        return (network, await network.StartWorkerAsync(options));
    }

    /// <summary>Runs the copy app on the dataset; the result archive as text.</summary>
    private static async Task<string> CopyThroughWorkerAsync(TestNetwork network, WorkerHandle worker, AssetRef dataset, string path)
    {
        var app = await network.PutAsync(TestPrograms.CopyFromInBytes(path));
        var assignment = network.Assign(worker.Address, app, [], dataset: dataset);
        network.Scheduler.Enqueue(worker.Address, assignment);
        var report = await network.Scheduler.WaitForAsync(s => s.Contributions.FirstOrDefault(c => c.ReplicateId == assignment.ReplicateId).Report, "the contribution");
        Assert.True(report.ExitCode == 0, $"the app could not copy /in/{path}: exit code {report.ExitCode}");
        return Encoding.UTF8.GetString(await network.DownloadAsync(report.Digest));
    }

    private async Task<FailureReport> FailureAsync(TestNetwork network, WorkerHandle worker, AssetRef dataset)
    {
        var app = await network.PutAsync(TestPrograms.CopyFromInBytes("dataset"));
        var assignment = network.Assign(worker.Address, app, [], dataset: dataset);
        network.Scheduler.Enqueue(worker.Address, assignment);
        var failure = await network.Scheduler.WaitForAsync(s => s.Failures.FirstOrDefault(f => f.ReplicateId == assignment.ReplicateId).Report, "the failure report");
        Assert.Empty(network.Scheduler.Read(s => s.Contributions.ToList()));
        output.WriteLine($"REASON {failure.Kind}: {failure.Reason}");
        return failure;
    }

    [Fact]
    public async Task A_named_file_dataset_appears_under_its_name()
    {
        var (network, worker) = await StartAsync();
        await using var _ = network;
        var dataset = await network.PutAsync("mass,charge\n91.2,0\n"u8.ToArray(), name: "events.csv");

        var archive = await CopyThroughWorkerAsync(network, worker, dataset, "events.csv");

        Assert.Contains("mass,charge\n91.2,0\n", archive);
    }

    [Fact]
    public async Task A_file_dataset_without_a_usable_name_is_in_dataset()
    {
        var (network, worker) = await StartAsync();
        await using var _ = network;
        var dataset = await network.PutAsync("plain bytes"u8.ToArray(), name: "..");

        var archive = await CopyThroughWorkerAsync(network, worker, dataset, "dataset");

        Assert.Contains("plain bytes", archive);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_tar_dataset_appears_as_a_tree_under_in(bool gzip)
    {
        var (network, worker) = await StartAsync();
        await using var _ = network;
        var tar = Tar(new Entry("a", TarEntryType.Directory), new Entry("a/b.txt", Content: "deep inside\n"u8.ToArray()), new Entry("top.txt", Content: [1, 2]));
        // The name is ignored for an archive: it is told by its content, and unpacked.
        var dataset = await network.PutAsync(gzip ? Gzip(tar) : tar, name: "data.bin");

        var archive = await CopyThroughWorkerAsync(network, worker, dataset, "a/b.txt");

        Assert.Contains("deep inside\n", archive);
    }

    public static TheoryData<string> HostileArchives => ["dot-dot", "absolute", "symlink-to-etc", "link-then-write-through", "tar-bomb", "gzip-bomb", "metadata-bomb", "too-many-entries"];

    [Theory]
    [MemberData(nameof(HostileArchives))]
    public async Task A_hostile_archive_fails_the_replicate_with_a_reason_and_writes_nothing_outside_in(string attack)
    {
        var (network, worker) = await StartAsync(o =>
        {
            o.MaxDatasetUnpackedBytes = 64 << 10;
            o.MaxDatasetEntries = 50;
        });
        await using var _ = network;
        var outside = Directory.CreateDirectory(network.Root.Sub("outside")).FullName;
        var absolute = Path.Combine(outside, "absolute.txt");
        var payload = "owned"u8.ToArray();
        var (bytes, expected) = attack switch
        {
            "dot-dot" => (Tar(new Entry("ok.txt", Content: payload), new Entry("../../../../outside/dot-dot.txt", Content: payload)), "'..' component"),
            "absolute" => (Tar(new Entry(absolute, Content: payload)), "absolute"),
            "symlink-to-etc" => (Tar(new Entry("etc", TarEntryType.SymbolicLink, Link: "/etc")), "etc -> /etc"),
            "link-then-write-through" => (Tar(new Entry("up", TarEntryType.SymbolicLink, Link: outside), new Entry("up/through.txt", Content: payload)), "under the link 'up'"),
            "tar-bomb" => (Tar(new Entry("a", Content: new byte[40 << 10]), new Entry("b", Content: new byte[40 << 10])), "size limit"),
            "gzip-bomb" => (Gzip(Tar(new Entry("zeros", Content: new byte[64 << 20]))), "size limit"),
            // No file at all: 3 MiB of extended attributes, beyond the bytes of tar the limits leave room for.
            "metadata-bomb" => (Gzip(MetadataBomb()), "unpacks to more than"),
            _ => (Tar([.. Enumerable.Range(0, 60).Select(i => new Entry($"f{i}", Content: []))]), "entry limit"),
        };
        var dataset = await network.PutAsync(bytes);

        var failure = await FailureAsync(network, worker, dataset);

        Assert.Equal(FailureKinds.InvalidDataset, failure.Kind);
        Assert.StartsWith($"dataset {dataset.Checksum} is a", failure.Reason);
        Assert.Contains(expected, failure.Reason);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
        Assert.DoesNotContain(Directory.EnumerateFiles(network.Root.Path, "*.txt", SearchOption.AllDirectories), f => !f.Contains("/storage/", StringComparison.Ordinal));
        Assert.False(File.Exists("/etc/through.txt"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_corrupt_archive_fails_the_replicate_as_malformed(bool gzip)
    {
        var (network, worker) = await StartAsync();
        await using var _ = network;
        var tar = Tar(new Entry("a.txt", Content: new byte[3000]), new Entry("b.txt", Content: new byte[3000]));
        // Cut in the middle of the first file's bytes: a valid header, then the end too soon.
        var cut = tar[..2048];
        var dataset = await network.PutAsync(gzip ? Gzip(cut) : cut);

        var failure = await FailureAsync(network, worker, dataset);

        Assert.Equal(FailureKinds.InvalidDataset, failure.Kind);
        Assert.Contains("malformed", failure.Reason);
    }

    [Fact]
    public async Task Content_decides_the_format_not_the_name()
    {
        using var dir = new TempDir();
        var tar = Tar(new Entry("x.txt", Content: "x"u8.ToArray()));
        var cases = new (byte[] Bytes, DatasetFormat Format)[]
        {
            (tar, DatasetFormat.Tar),
            (Gzip(tar), DatasetFormat.GzipTar),
            // A compressed CSV stays a file, for the app to decompress.
            (Gzip(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("mass,charge\n91.2,0\n", 100)))), DatasetFormat.File),
            ("mass,charge\n"u8.ToArray(), DatasetFormat.File),
            (new byte[1024], DatasetFormat.File),
            ([0x1f, 0x8b, 1, 2, 3], DatasetFormat.File),
        };
        foreach (var (bytes, format) in cases)
        {
            var path = dir.Sub("dataset.tar");
            await File.WriteAllBytesAsync(path, bytes);
            Assert.Equal(format, await DatasetInput.DetectAsync(path, CancellationToken.None));
        }
    }

    [Theory]
    [InlineData("events.csv", "events.csv")]
    [InlineData("..", null)]
    [InlineData("../etc/passwd", null)]
    [InlineData("a/b", null)]
    [InlineData(".hidden", null)]
    [InlineData("tab\there", null)]
    [InlineData("", null)]
    public void Only_safe_names_are_kept(string name, string? kept)
    {
        Assert.Equal(kept, AssetLocation.SafeFileName(name));
        var location = AssetLocation.Resolve(new AssetRef("1", "0x" + new string('a', 64), $"http://storage.test/blobs/{new string('a', 64)}?name={Uri.EscapeDataString(name)}"), new Uri("http://storage.test/"));
        Assert.Equal(kept, location.FileName);
        Assert.Equal(new string('a', 64), location.Address.Hex);
    }

    [Fact]
    public void A_name_longer_than_128_characters_is_not_kept() => Assert.Null(AssetLocation.SafeFileName(new string('n', 129) + ".csv"));
}
