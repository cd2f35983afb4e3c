using System.Formats.Tar;

namespace Hearth.Sandbox.Tests;

/// <summary>The tar writer on folders a module may leave: nesting, long paths, links.</summary>
public sealed class ArchiveTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("hearth-tar-tests-").FullName;

    [Fact]
    public async Task Nested_folders_long_paths_and_links_round_trip_in_sorted_order()
    {
        var longFolder = string.Join('/', Enumerable.Repeat("a-rather-long-folder-name", 8));
        Directory.CreateDirectory(Path.Combine(_root, longFolder));
        await File.WriteAllTextAsync(Path.Combine(_root, longFolder, "deep.txt"), "deep");
        Directory.CreateDirectory(Path.Combine(_root, "b"));
        await File.WriteAllTextAsync(Path.Combine(_root, "b", "z.txt"), "z");
        await File.WriteAllTextAsync(Path.Combine(_root, "a.txt"), "a");
        File.CreateSymbolicLink(Path.Combine(_root, "link"), "/etc/passwd");

        var scan = OutputScanner.Run(_root, 1 << 20, 100, collect: true);
        var (archive, sha256) = DeterministicTar.Write(scan.Entries, CancellationToken.None);
        var (again, _) = DeterministicTar.Write(OutputScanner.Run(_root, 1 << 20, 100, collect: true).Entries, CancellationToken.None);

        Assert.Equal(archive, again);
        Assert.Equal(64, sha256.Length);
        var entries = SandboxFixture.ReadArchive(archive);
        var names = entries.Select(e => e.Entry.Name).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Contains(longFolder + "/deep.txt", names);
        Assert.Equal("deep", entries.Single(e => e.Entry.Name == longFolder + "/deep.txt").Content);
        var folder = entries.Single(e => e.Entry.Name == "b/").Entry;
        Assert.Equal(TarEntryType.Directory, folder.EntryType);
        Assert.Equal((UnixFileMode)0x1ED, folder.Mode);
        // The link is stored as a link, never followed into the host's files.
        var link = entries.Single(e => e.Entry.Name == "link").Entry;
        Assert.Equal(TarEntryType.SymbolicLink, link.EntryType);
        Assert.Equal("/etc/passwd", link.LinkName);
    }

    [Fact]
    public void Scanner_stops_at_the_entry_limit_and_the_byte_limit()
    {
        for (var i = 0; i < 5; i++)
        {
            File.WriteAllBytes(Path.Combine(_root, $"f{i}"), new byte[100]);
        }

        Assert.Contains("more than 3 entries", OutputScanner.Run(_root, 1 << 20, 3, collect: true).LimitExceeded);
        Assert.Contains("250 B output limit", OutputScanner.Run(_root, 250, 100, collect: true).LimitExceeded);
        Assert.Null(OutputScanner.Run(_root, 500, 5, collect: true).LimitExceeded);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
