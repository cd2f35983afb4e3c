using System.Formats.Tar;
using System.Text;
using Hearth.Network.Requesting;
using Hearth.Sandbox;

namespace Hearth.EndToEnd.Tests;

/// <summary>
/// <see cref="ResultArchive"/> on real files: hostile archives written entry by entry with <see cref="TarWriter"/>
/// (links out of the destination, chains of links, files through links, absolute and .. paths, devices, limits), and
/// an archive made by the real sandbox, which must extract exactly as <see cref="TarFile"/> extracted it.
/// </summary>
public sealed class ResultArchiveTests : IDisposable
{
    // Everything of a test lives under this folder; anything but the destination appearing here escaped it.
    private readonly string _root = Directory.CreateTempSubdirectory("hearth-result-archive-").FullName;
    private readonly List<string> _alsoRemove = [];

    private string Archive => Path.Combine(_root, "archive.tar");

    private string Destination => Path.Combine(_root, "out");

    [Fact]
    public async Task A_link_out_of_the_destination_is_listed_not_created_and_the_other_files_extract()
    {
        Write(
            File("a.txt", "a"),
            Link("up", "../.."),
            Folder("sub/"),
            File("sub/b.txt", "b"));

        var outcome = await ResultArchive.ExtractAsync(Archive, Destination);

        Assert.Equal("a", await System.IO.File.ReadAllTextAsync(Path.Combine(Destination, "a.txt")));
        Assert.Equal("b", await System.IO.File.ReadAllTextAsync(Path.Combine(Destination, "sub", "b.txt")));
        Assert.Equal([new ArchiveLink("up", "../..", Hard: false)], outcome.LinksNotExtracted);
        Assert.Equal("1 link not extracted: up -> ../..", outcome.LinksSummary);
        Assert.Equal((2, 1, 2L), (outcome.Files, outcome.Directories, outcome.Bytes));
        Assert.False(Path.Exists(Path.Combine(Destination, "up")));
        AssertNoLinksAndNothingOutside();
    }

    [Fact]
    public async Task A_chain_of_links_that_climbs_one_level_each_creates_no_link()
    {
        // Checked as text, each link stays inside (d/e/m/.. is d/e); followed on disk, m is the destination,
        // n its parent and o its grandparent. TarFile created all four.
        Write(
            Link("d/e/l", ".."),
            Link("d/e/m", "l/.."),
            Link("d/e/n", "m/.."),
            Link("d/e/o", "n/.."),
            File("d/e/keep.txt", "kept"));

        var outcome = await ResultArchive.ExtractAsync(Archive, Destination);

        Assert.Equal(["d/e/l -> ..", "d/e/m -> l/..", "d/e/n -> m/..", "d/e/o -> n/.."], outcome.LinksNotExtracted.Select(l => l.ToString()));
        Assert.StartsWith("4 links not extracted: d/e/l -> ..", outcome.LinksSummary);
        Assert.Equal("kept", await System.IO.File.ReadAllTextAsync(Path.Combine(Destination, "d", "e", "keep.txt")));
        AssertNoLinksAndNothingOutside();
    }

    [Fact]
    public async Task A_file_under_an_absolute_link_is_refused_and_never_lands_where_the_link_points()
    {
        var elsewhere = Elsewhere();
        Write(
            File("a.txt", "a"),
            Link("x", elsewhere),
            File("x/pwned", "pwned"));

        var error = await Assert.ThrowsAsync<ResultArchiveException>(() => ResultArchive.ExtractAsync(Archive, Destination));

        Assert.Contains("entry 'x/pwned' refused", error.Message);
        Assert.Contains("link 'x'", error.Message);
        Assert.False(Path.Exists(Path.Combine(elsewhere, "pwned")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(elsewhere));
        Assert.False(Path.Exists(Destination), "the partial output is removed");
        AssertNoLinksAndNothingOutside();
    }

    [Fact]
    public async Task A_file_under_a_chain_of_links_is_refused_and_never_lands_outside()
    {
        // The destination is <elsewhere>/out, so d/e/n resolves to <elsewhere> on disk while every link and the file
        // look inside as text. TarFile.ExtractToDirectory created the links, then wrote <elsewhere>/pwned through them.
        var elsewhere = Elsewhere();
        var destination = Path.Combine(elsewhere, "out");
        Write(
            Link("d/e/l", ".."),
            Link("d/e/m", "l/.."),
            Link("d/e/n", "m/.."),
            File("d/e/n/pwned", "pwned"));

        var error = await Assert.ThrowsAsync<ResultArchiveException>(() => ResultArchive.ExtractAsync(Archive, destination));

        Assert.Contains("entry 'd/e/n/pwned' refused", error.Message);
        Assert.False(Path.Exists(Path.Combine(elsewhere, "pwned")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(elsewhere));
    }

    [Fact]
    public async Task A_folder_replaced_by_a_link_on_disk_during_extraction_is_never_followed()
    {
        // Another process swaps the folder a/ for a link once its entry is extracted: the next entry is refused.
        var elsewhere = Elsewhere();
        Write(Folder("a/"), File("a/f.txt", "f"));
        var a = Path.Combine(Destination, "a");
        await using var archive = new SwappingStream(System.IO.File.OpenRead(Archive), () => Directory.Exists(a), () =>
        {
            Directory.Delete(a);
            System.IO.File.CreateSymbolicLink(a, elsewhere);
        });

        var error = await Assert.ThrowsAsync<ResultArchiveException>(() => ResultArchive.ExtractAsync(archive, Destination));

        Assert.True(archive.Swapped);
        Assert.Contains("'a' is a link on disk", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(elsewhere));
        Assert.False(Path.Exists(Destination));
    }

    [Theory]
    [InlineData("../escape", "'..' component")]
    [InlineData("a/../../escape", "'..' component")]
    [InlineData("/hearth-absolute-entry", "absolute")]
    [InlineData("/tmp/hearth-absolute-entry", "absolute")]
    public async Task Absolute_and_dotdot_paths_are_refused_and_nothing_is_left(string name, string why)
    {
        Write(File("first.txt", "written, then removed"), File(name, "escaped"));

        var error = await Assert.ThrowsAsync<ResultArchiveException>(() => ResultArchive.ExtractAsync(Archive, Destination));

        Assert.Contains($"entry '{name}' refused", error.Message);
        Assert.Contains(why, error.Message);
        Assert.False(Path.Exists(Destination), "the partial output is removed");
        Assert.False(Path.Exists(Path.Combine(_root, "escape")));
        Assert.False(Path.Exists("/hearth-absolute-entry"));
        Assert.False(Path.Exists("/tmp/hearth-absolute-entry"));
        AssertNoLinksAndNothingOutside();
    }

    [Theory]
    [InlineData(TarEntryType.CharacterDevice, "character device")]
    [InlineData(TarEntryType.BlockDevice, "block device")]
    [InlineData(TarEntryType.Fifo, "fifo")]
    public async Task Devices_and_fifos_are_refused(TarEntryType type, string what)
    {
        Write(File("first.txt", "first"), new PaxTarEntry(type, "special"));

        var error = await Assert.ThrowsAsync<ResultArchiveException>(() => ResultArchive.ExtractAsync(Archive, Destination));

        Assert.Contains($"entry 'special' refused: it is a {what}", error.Message);
        Assert.False(Path.Exists(Destination));
    }

    [Fact]
    public async Task A_hard_link_is_listed_not_created()
    {
        Write(File("a.txt", "a"), new PaxTarEntry(TarEntryType.HardLink, "b.txt") { LinkName = "a.txt" });

        var outcome = await ResultArchive.ExtractAsync(Archive, Destination);

        Assert.Equal("1 link not extracted: b.txt => a.txt (hard link)", outcome.LinksSummary);
        Assert.False(Path.Exists(Path.Combine(Destination, "b.txt")));
    }

    [Fact]
    public async Task Too_many_entries_and_too_many_bytes_are_refused_naming_the_limit()
    {
        Write([.. Enumerable.Range(0, 11).Select(i => File($"f{i}.txt", "x"))]);
        var entries = await Assert.ThrowsAsync<ResultArchiveException>(() =>
            ResultArchive.ExtractAsync(Archive, Destination, new ResultArchiveLimits { MaxEntries = 10 }));
        Assert.Equal("the archive holds more than 10 entries (the entry limit)", entries.Message);
        Assert.False(Path.Exists(Destination));

        Write(File("a.bin", new byte[600]), File("b.bin", new byte[600]));
        var bytes = await Assert.ThrowsAsync<ResultArchiveException>(() =>
            ResultArchive.ExtractAsync(Archive, Destination, new ResultArchiveLimits { MaxBytes = 1000 }));
        Assert.Contains("more than 1000 bytes", bytes.Message);
        Assert.Contains("the size limit", bytes.Message);
        Assert.Contains("'b.bin'", bytes.Message);
        Assert.False(Path.Exists(Destination));

        Assert.Equal(4L << 30, ResultArchiveLimits.Default.MaxBytes);
        Assert.Equal(100_000, ResultArchiveLimits.Default.MaxEntries);
        Write(File("big.bin", new byte[10]));
        var none = await Assert.ThrowsAsync<ResultArchiveException>(() =>
            ResultArchive.ExtractAsync(Archive, Destination, new ResultArchiveLimits { MaxBytes = 0 }));
        Assert.Contains("more than 0 bytes", none.Message);
    }

    [Fact]
    public async Task Malformed_archives_and_busy_destinations_are_refused()
    {
        await System.IO.File.WriteAllBytesAsync(Archive, Encoding.ASCII.GetBytes(new string('x', 700)));
        var malformed = await Assert.ThrowsAsync<ResultArchiveException>(() => ResultArchive.ExtractAsync(Archive, Destination));
        Assert.StartsWith("the archive is malformed", malformed.Message);
        Assert.False(Path.Exists(Destination));

        Write(File("a.txt", "a"));
        Directory.CreateDirectory(Destination);
        await System.IO.File.WriteAllTextAsync(Path.Combine(Destination, "mine.txt"), "the user's");
        await Assert.ThrowsAsync<IOException>(() => ResultArchive.ExtractAsync(Archive, Destination));
        Assert.Equal("the user's", await System.IO.File.ReadAllTextAsync(Path.Combine(Destination, "mine.txt")));
    }

    [Fact]
    public async Task An_archive_made_by_the_sandbox_extracts_byte_for_byte_as_TarFile_extracted_it()
    {
        var longFolder = string.Join('/', Enumerable.Repeat("a-rather-long-folder-name", 5));
        var longName = new string('n', 120) + ".txt";
        var binary = Enumerable.Range(0, 4 * 256).Select(i => (byte)i).ToArray();
        OutApp.Step[] steps =
        [
            new OutApp.Folder("a"),
            new OutApp.Folder("a/b"),
            new OutApp.File("a/b/c.txt", Encoding.UTF8.GetBytes("c\n")),
            new OutApp.Folder("empty"),
            new OutApp.File("bin.dat", binary),
            new OutApp.File("zero.txt", []),
            new OutApp.File(longName, Encoding.UTF8.GetBytes("pax path")),
            .. Enumerable.Range(1, 5).Select(i => new OutApp.Folder(string.Join('/', Enumerable.Repeat("a-rather-long-folder-name", i)))),
            new OutApp.File(longFolder + "/deep.txt", Encoding.UTF8.GetBytes("deep")),
            new OutApp.File("top.txt", Encoding.UTF8.GetBytes("ünïcödé top")),
        ];
        var options = new SandboxOptions
        {
            ModuleCacheDirectory = Path.Combine(_root, "sandbox", "cache"),
            WorkDirectory = Path.Combine(_root, "sandbox", "work"),
            Isolation = SandboxIsolation.InProcess,
        };
        byte[] archive;
        using (var runner = new SandboxRunner(options))
        {
            var run = await runner.RunAsync(new SandboxRequest { ModuleBytes = Encoding.UTF8.GetBytes(OutApp.Wat(steps)) });
            Assert.True(run.Succeeded, $"{run.Failure}: {run.FailureReason} (exit {run.ExitCode})");
            archive = run.OutputArchive;
        }
        Directory.Delete(Path.Combine(_root, "sandbox"), recursive: true);
        await System.IO.File.WriteAllBytesAsync(Archive, archive);

        var outcome = await ResultArchive.ExtractAsync(Archive, Destination);
        var before = Path.Combine(_root, "tarfile");
        Directory.CreateDirectory(before);
        await TarFile.ExtractToDirectoryAsync(Archive, before, overwriteFiles: false);

        // Every entry of the archive is on disk with its bytes, and nothing else is.
        var expected = new SortedDictionary<string, byte[]?>(StringComparer.Ordinal);
        using (var reader = new TarReader(new MemoryStream(archive)))
        {
            while (reader.GetNextEntry() is { } entry)
            {
                using var content = new MemoryStream();
                entry.DataStream?.CopyTo(content);
                expected[entry.Name.TrimEnd('/')] = entry.EntryType == TarEntryType.Directory ? null : content.ToArray();
            }
        }
        Assert.Equal(Tree(Destination), expected);
        Assert.Equal(binary, expected["bin.dat"]);
        Assert.Equal("deep", Encoding.UTF8.GetString(expected[longFolder + "/deep.txt"]!));
        Assert.Equal("pax path", Encoding.UTF8.GetString(expected[longName]!));
        Assert.Equal((6, 8, (long)binary.Length + 2 + 8 + 4 + Encoding.UTF8.GetByteCount("ünïcödé top")), (outcome.Files, outcome.Directories, outcome.Bytes));
        Assert.Empty(outcome.LinksNotExtracted);

        // Exactly as TarFile extracted it: same paths, bytes, modification times and permissions.
        Assert.Equal(Tree(before), Tree(Destination));
        foreach (var path in Tree(Destination).Keys)
        {
            var ours = Path.Combine(Destination, path);
            var theirs = Path.Combine(before, path);
            if (!OperatingSystem.IsWindows()) Assert.Equal(System.IO.File.GetUnixFileMode(theirs), System.IO.File.GetUnixFileMode(ours));
            if (System.IO.File.Exists(ours)) Assert.Equal(System.IO.File.GetLastWriteTimeUtc(theirs), System.IO.File.GetLastWriteTimeUtc(ours));
        }
    }

    /// <summary>Relative path → bytes (null for a folder) of everything under the folder, links not followed.</summary>
    private static SortedDictionary<string, byte[]?> Tree(string folder)
    {
        var tree = new SortedDictionary<string, byte[]?>(StringComparer.Ordinal);
        foreach (var info in new DirectoryInfo(folder).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            Assert.Null(info.LinkTarget);
            var relative = Path.GetRelativePath(folder, info.FullName).Replace(Path.DirectorySeparatorChar, '/');
            tree[relative] = info is FileInfo ? System.IO.File.ReadAllBytes(info.FullName) : null;
        }
        return tree;
    }

    /// <summary>No link anywhere in the test's folder, and nothing in it but the archive, the destination and the
    /// other extraction.</summary>
    private void AssertNoLinksAndNothingOutside()
    {
        foreach (var info in new DirectoryInfo(_root).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            Assert.Null(info.LinkTarget);
        }
        var top = Directory.EnumerateFileSystemEntries(_root).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Subset(new HashSet<string?> { "archive.tar", "out", "tarfile" }, top.ToHashSet());
    }

    /// <summary>A new empty folder outside the test's folder, like /tmp/&lt;unique&gt;.</summary>
    private string Elsewhere()
    {
        var folder = Directory.CreateTempSubdirectory("hearth-elsewhere-").FullName;
        _alsoRemove.Add(folder);
        return folder;
    }

    private void Write(params TarEntry[] entries)
    {
        using var file = System.IO.File.Create(Archive);
        using var writer = new TarWriter(file, TarEntryFormat.Pax);
        foreach (var entry in entries)
        {
            writer.WriteEntry(entry);
        }
    }

    private static PaxTarEntry File(string name, string content) => File(name, Encoding.UTF8.GetBytes(content));

    private static PaxTarEntry File(string name, byte[] content) =>
        new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content), Mode = (UnixFileMode)0x1A4 };

    private static PaxTarEntry Folder(string name) => new(TarEntryType.Directory, name) { Mode = (UnixFileMode)0x1ED };

    private static PaxTarEntry Link(string name, string target) => new(TarEntryType.SymbolicLink, name) { LinkName = target };

    public void Dispose()
    {
        foreach (var folder in _alsoRemove.Append(_root))
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Reads through to the archive, and swaps something on disk before the first read once a condition holds
    /// (not seekable, so the reader reads every byte in order, an entry's header only after the previous entry).</summary>
    private sealed class SwappingStream(Stream inner, Func<bool> when, Action swap) : Stream
    {
        private long _position;

        public bool Swapped { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            BeforeRead();
            var read = inner.Read(buffer);
            _position += read;
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            BeforeRead();
            var read = await inner.ReadAsync(buffer, cancellationToken);
            _position += read;
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private void BeforeRead()
        {
            if (!Swapped && when())
            {
                Swapped = true;
                swap();
            }
        }

        public override void Flush() { }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
