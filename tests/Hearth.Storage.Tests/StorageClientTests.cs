using System.Net;

namespace Hearth.Storage.Tests;

public sealed class StorageClientTests : ServerTest
{
    [Fact]
    public async Task Put_exists_and_download_round_trip()
    {
        var client = Build.Client(Server.BaseUrl);
        var content = Build.Content(300_000);
        var destination = Dir.Sub("out/blob.bin");

        var address = await client.PutAsync(new MemoryStream(content));
        await client.DownloadAsync(address, destination);

        Assert.Equal(BlobAddress.Compute(content), address);
        Assert.True(await client.ExistsAsync(address));
        Assert.Equal(300_000, await client.GetSizeAsync(address));
        Assert.Equal(content, await File.ReadAllBytesAsync(destination));
        Assert.Equal(["out/blob.bin"], Dir.Files("out"));
    }

    [Fact]
    public async Task Put_of_a_file_and_of_a_stream_that_cannot_seek()
    {
        var client = Build.Client(Server.BaseUrl);
        var content = Build.Content(10_000);
        var path = Dir.Sub("input.bin");
        await File.WriteAllBytesAsync(path, content);

        var fromFile = await client.PutFileAsync(path);
        var fromPipe = await client.PutAsync(new NonSeekableStream(new MemoryStream(Build.Content(20_000, seed: 2))));

        Assert.Equal(BlobAddress.Compute(content), fromFile);
        Assert.Equal(BlobAddress.Compute(Build.Content(20_000, seed: 2)), fromPipe);
        Assert.True(await Server.Store.ExistsAsync(fromPipe));
    }

    [Fact]
    public async Task Upload_over_the_limit_throws_and_stores_nothing()
    {
        var client = Build.Client(Server.BaseUrl);

        var error = await Assert.ThrowsAsync<BlobTooLargeException>(() => client.PutAsync(new MemoryStream(Build.Content((int)Limit * 4))));

        Assert.Contains($"limit of {Limit} bytes", error.Message);
        Assert.Empty(StoredFiles());
    }

    [Fact]
    public async Task Missing_blob_throws_not_found_naming_the_address()
    {
        var client = Build.Client(Server.BaseUrl);
        var address = BlobAddress.Compute("never stored"u8);
        var destination = Dir.Sub("out/missing.bin");

        var error = await Assert.ThrowsAsync<BlobNotFoundException>(() => client.DownloadAsync(address, destination));

        Assert.Equal(address, error.Address);
        Assert.Contains($"No blob with address {address}", error.Message);
        Assert.False(await client.ExistsAsync(address));
        Assert.Empty(Dir.Files("out"));
    }

    [Fact]
    public async Task Corrupted_bytes_from_the_server_are_rejected_and_leave_no_file()
    {
        var client = Build.Client(Server.BaseUrl);
        var address = await client.PutAsync(new MemoryStream(Build.Content(50_000)));
        // A flipped byte on the server's disk: the server serves it as if it were the blob.
        var onDisk = await File.ReadAllBytesAsync(Server.Store.PathOf(address));
        onDisk[12_345] ^= 0xFF;
        await File.WriteAllBytesAsync(Server.Store.PathOf(address), onDisk);
        var destination = Dir.Sub("out/blob.bin");

        var error = await Assert.ThrowsAsync<BlobIntegrityException>(() => client.DownloadAsync(address, destination));

        Assert.Equal(address, error.Expected);
        Assert.Equal(BlobAddress.Compute(onDisk), error.Actual);
        Assert.Contains("the download was discarded", error.Message);
        Assert.Empty(Dir.Files("out"));
    }

    [Fact]
    public async Task Server_down_gives_a_clear_error_naming_the_url()
    {
        var url = new Uri($"http://127.0.0.1:{Build.ClosedPort()}/");
        var client = Build.Client(url);
        var address = BlobAddress.Compute("anything"u8);

        var download = await Assert.ThrowsAsync<StorageUnavailableException>(() => client.DownloadAsync(address, Dir.Sub("out/x")));
        var put = await Assert.ThrowsAsync<StorageUnavailableException>(() => client.PutAsync(new MemoryStream([1, 2, 3])));

        Assert.Equal($"Storage at {url} is unreachable: connection refused (is the storage service running?)", download.Message);
        Assert.Equal(url, put.BaseUrl);
        Assert.Empty(Dir.Files("out"));
    }

    [Fact]
    public async Task Download_resumes_from_a_partial_file()
    {
        var content = Build.Content(200_000);
        var address = await Build.Client(Server.BaseUrl).PutAsync(new MemoryStream(content));
        var destination = Dir.Sub("out/blob.bin");
        Directory.CreateDirectory(Dir.Sub("out"));
        await File.WriteAllBytesAsync(destination + ".partial", content[..120_000]);
        var recorder = new RecordingHandler();

        await Build.Client(Server.BaseUrl, recorder).DownloadAsync(address, destination);

        Assert.Equal(content, await File.ReadAllBytesAsync(destination));
        Assert.Equal(["bytes=120000-"], recorder.Ranges);
        Assert.Equal(["out/blob.bin"], Dir.Files("out"));
    }

    [Fact]
    public async Task Download_starts_over_when_the_partial_file_is_too_long()
    {
        var content = Build.Content(1000);
        var address = await Build.Client(Server.BaseUrl).PutAsync(new MemoryStream(content));
        var destination = Dir.Sub("out/blob.bin");
        Directory.CreateDirectory(Dir.Sub("out"));
        await File.WriteAllBytesAsync(destination + ".partial", Build.Content(1500, seed: 7));

        await Build.Client(Server.BaseUrl).DownloadAsync(address, destination);

        Assert.Equal(content, await File.ReadAllBytesAsync(destination));
    }

    [Fact]
    public async Task Range_read_through_the_client()
    {
        var client = Build.Client(Server.BaseUrl);
        var content = Build.Content(5000);
        var address = await client.PutAsync(new MemoryStream(content));

        Assert.Equal(content[1000..1500], await ReadAllAsync(await client.OpenReadAsync(address, new BlobRange(1000, 500))));
        Assert.Equal(content[4000..], await ReadAllAsync(await client.OpenReadAsync(address, new BlobRange(4000))));
        Assert.Equal(content, await ReadAllAsync(await client.OpenReadAsync(address)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.OpenReadAsync(address, new BlobRange(5000)));
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        await using (stream)
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return copy.ToArray();
        }
    }
}
