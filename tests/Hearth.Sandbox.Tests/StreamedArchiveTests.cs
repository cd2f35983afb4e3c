using System.Security.Cryptography;

namespace Hearth.Sandbox.Tests;

/// <summary>Result archives streamed to a file, hashed while written: the same bytes as in memory, in bounded memory.</summary>
public sealed class StreamedArchiveTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("hearth-streamed-tar-").FullName;

    private string Out => Directory.CreateDirectory(Path.Combine(_root, "out")).FullName;

    [Fact]
    public async Task A_streamed_archive_is_byte_for_byte_the_archive_built_in_memory()
    {
        var output = Out;
        var longFolder = string.Join('/', Enumerable.Repeat("a-rather-long-folder-name", 8));
        Directory.CreateDirectory(Path.Combine(output, longFolder));
        await File.WriteAllTextAsync(Path.Combine(output, longFolder, "deep.txt"), "deep");
        await File.WriteAllBytesAsync(Path.Combine(output, "odd.bin"), RandomNumberGenerator.GetBytes(1_234_567));
        File.CreateSymbolicLink(Path.Combine(output, "link"), "/etc/passwd");
        var entries = OutputScanner.Run(output, 1 << 24, 100, collect: true).Entries;

        var (inMemory, memorySha) = DeterministicTar.Write(entries, CancellationToken.None);
        var file = Path.Combine(_root, "archive.tar");
        var (length, fileSha) = DeterministicTar.WriteFile(entries, file, CancellationToken.None);

        Assert.Equal(inMemory, await File.ReadAllBytesAsync(file));
        Assert.Equal(inMemory.Length, length);
        Assert.Equal(memorySha, fileSha);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(inMemory)), fileSha);
    }

    [Fact]
    public void A_large_archive_is_built_with_bounded_memory()
    {
        const long size = 96L << 20;
        using (var big = File.Create(Path.Combine(Out, "big.bin")))
            big.SetLength(size); // sparse: cheap to make, read as zeros
        File.WriteAllText(Path.Combine(Out, "small.txt"), "small");
        var entries = OutputScanner.Run(Out, size * 2, 100, collect: true).Entries;
        var file = Path.Combine(_root, "big.tar");

        var before = GC.GetAllocatedBytesForCurrentThread();
        var (length, sha256) = DeterministicTar.WriteFile(entries, file, CancellationToken.None);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(length > size, $"archive of {length} bytes");
        Assert.True(allocated < 2L << 20, $"{allocated} bytes allocated to build an archive of {length} bytes");
        using var stream = File.OpenRead(file);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(stream)), sha256);
    }

    [Fact]
    public async Task A_run_asked_for_an_archive_file_streams_it_there_and_keeps_nothing_in_memory()
    {
        var request = new SandboxRequest
        {
            ModulePath = SandboxFixture.App("montecarlo"),
            ProgramName = "montecarlo",
            Arguments = ["10000", "3"],
            Limits = SandboxFixture.Limits(),
        };
        var inMemory = await fixture.Runner.RunAsync(request);
        var path = Path.Combine(_root, "run.tar");
        var streamed = await fixture.Runner.RunAsync(request with { ArchivePath = path });

        Assert.True(streamed.Succeeded, streamed.FailureReason);
        Assert.Empty(streamed.OutputArchive);
        Assert.Equal(path, streamed.OutputArchivePath);
        Assert.Equal(inMemory.OutputArchive, await File.ReadAllBytesAsync(path));
        Assert.Equal(inMemory.OutputArchiveSha256, streamed.OutputArchiveSha256);
        Assert.Equal(inMemory.OutputArchive.Length, streamed.OutputArchiveLength);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
