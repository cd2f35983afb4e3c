using Microsoft.Extensions.Options;

namespace Hearth.Storage.Tests;

public sealed class StorageServerTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Start_up_fails_with_a_precise_message_for_bad_options()
    {
        var options = new StorageOptions { RootPath = "", MaxBlobBytes = 0 };

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => Build.Server(options));

        Assert.Contains("Storage:RootPath is empty: set it to the absolute folder where blobs are kept.", error.Failures);
        Assert.Contains("Storage:MaxBlobBytes must be a positive number of bytes, was 0.", error.Failures);
    }

    [Fact]
    public async Task Start_up_fails_for_unusable_batch_limits()
    {
        var options = Build.Options(_dir);
        options.MaxBatchBlobs = 0;
        options.MaxBatchBytes = 7;

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => Build.Server(options));

        Assert.Contains("Storage:MaxBatchBlobs must be a positive number of blobs, was 0.", error.Failures);
        Assert.Contains("Storage:MaxBatchBytes must be at least 8 bytes (one blob's length prefix), was 7.", error.Failures);
    }

    [Fact]
    public async Task Starts_on_a_free_loopback_port_and_stops_on_dispose()
    {
        var server = await Build.Server(_dir);
        var url = server.BaseUrl;
        var client = Build.Client(url);
        var address = await client.PutAsync(new MemoryStream([1, 2, 3]));

        Assert.Equal("127.0.0.1", url.Host);
        Assert.NotEqual(0, server.Port);
        Assert.True(await client.ExistsAsync(address));

        await server.DisposeAsync();
        await Assert.ThrowsAsync<StorageUnavailableException>(() => client.ExistsAsync(address));
    }

    [Fact]
    public async Task Start_up_removes_abandoned_uploads()
    {
        var options = Build.Options(_dir);
        var incoming = Path.Combine(options.RootPath, FileBlobStore.IncomingFolderName);
        Directory.CreateDirectory(incoming);
        var abandoned = Path.Combine(incoming, "crashed.upload");
        await File.WriteAllBytesAsync(abandoned, [1]);
        File.SetLastWriteTimeUtc(abandoned, DateTime.UtcNow - TimeSpan.FromDays(1));

        await using var server = await Build.Server(options);

        Assert.False(File.Exists(abandoned));
    }
}
