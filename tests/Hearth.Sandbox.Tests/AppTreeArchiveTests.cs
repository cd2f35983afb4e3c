using System.Formats.Tar;
using Hearth.Sandbox.Apps;

namespace Hearth.Sandbox.Tests;

/// <summary>
/// A bundle's tree packs into the same deterministic tar as results (same folder, same bytes) and unpacks through the
/// safe extractor; a tree archive holding a link or a path out of its folder is refused and leaves nothing behind.
/// </summary>
public sealed class AppTreeArchiveTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("hearth-tree-archive-").FullName;

    [Fact]
    public async Task The_same_folder_packs_to_the_same_bytes_and_unpacks_to_the_same_files()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_root, "tree", "lists")).Parent!.FullName;
        File.WriteAllText(Path.Combine(folder, "a.txt"), "alpha\n");
        File.WriteAllText(Path.Combine(folder, "lists", "b.txt"), "beta\n");

        var first = AppTreeArchive.Pack(folder, Path.Combine(_root, "1.tar"), 1 << 20, 100);
        File.SetLastWriteTimeUtc(Path.Combine(folder, "a.txt"), DateTime.UtcNow.AddDays(-3));
        var second = AppTreeArchive.Pack(folder, Path.Combine(_root, "2.tar"), 1 << 20, 100);
        Assert.Equal(first, second);

        var unpacked = Path.Combine(_root, "unpacked");
        await AppTreeArchive.UnpackAsync(Path.Combine(_root, "1.tar"), unpacked, 1 << 20, 100);
        Assert.Equal("beta\n", File.ReadAllText(Path.Combine(unpacked, "lists", "b.txt")));
    }

    [Fact]
    public void A_folder_with_a_link_is_not_packed()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_root, "linked")).FullName;
        File.CreateSymbolicLink(Path.Combine(folder, "passwd"), "/etc/passwd");

        var refused = Assert.Throws<ArgumentException>(() => AppTreeArchive.Pack(folder, Path.Combine(_root, "l.tar"), 1 << 20, 100));
        Assert.Contains("passwd is a link", refused.Message);
    }

    public static TheoryData<string, string> HostileEntries => new()
    {
        { "symlink", "holds links" },
        { "hardlink", "holds links" },
        { "dotdot", "'..'" },
        { "absolute", "absolute" },
    };

    [Theory, MemberData(nameof(HostileEntries))]
    public async Task A_hostile_tree_archive_is_refused_and_leaves_nothing(string kind, string reason)
    {
        var archive = Path.Combine(_root, kind + ".tar");
        WriteHostileTar(archive, kind);
        var destination = Path.Combine(_root, "out-" + kind);

        var refused = await Assert.ThrowsAsync<ResultArchiveException>(() => AppTreeArchive.UnpackAsync(archive, destination, 1 << 20, 100));

        Assert.Contains(reason, refused.Message);
        Assert.False(Directory.Exists(destination) && Directory.EnumerateFileSystemEntries(destination).Any());
    }

    [Fact]
    public async Task A_tree_over_its_byte_limit_is_refused()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_root, "big")).FullName;
        File.WriteAllBytes(Path.Combine(folder, "big.bin"), new byte[4096]);
        AppTreeArchive.Pack(folder, Path.Combine(_root, "big.tar"), 1 << 20, 100);

        await Assert.ThrowsAsync<ResultArchiveException>(() => AppTreeArchive.UnpackAsync(Path.Combine(_root, "big.tar"), Path.Combine(_root, "big-out"), 1000, 100));
        Assert.False(Directory.Exists(Path.Combine(_root, "big-out")));
    }

    /// <summary>A tar with one good file and one hostile entry of <paramref name="kind"/>.</summary>
    internal static void WriteHostileTar(string path, string kind)
    {
        using var file = File.Create(path);
        using var tar = new TarWriter(file, TarEntryFormat.Pax);
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "good.txt") { DataStream = new MemoryStream("good\n"u8.ToArray()) });
        tar.WriteEntry(kind switch
        {
            "symlink" => new PaxTarEntry(TarEntryType.SymbolicLink, "up") { LinkName = "../.." },
            "hardlink" => new PaxTarEntry(TarEntryType.HardLink, "hard") { LinkName = "good.txt" },
            "dotdot" => new PaxTarEntry(TarEntryType.RegularFile, "../escaped.txt") { DataStream = new MemoryStream("x"u8.ToArray()) },
            "absolute" => new PaxTarEntry(TarEntryType.RegularFile, "/tmp/absolute.txt") { DataStream = new MemoryStream("x"u8.ToArray()) },
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        });
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
