using Hearth.Storage.Client;

namespace Hearth.Storage.Tests;

public sealed class BlobCacheTests : ServerTest
{
    [Fact]
    public async Task Concurrent_callers_share_one_download()
    {
        var content = Build.Content(400_000);
        var address = await Build.Client(Server.BaseUrl).PutAsync(new MemoryStream(content));
        var gate = new GatedHandler();
        using var cache = new BlobCache(Build.Client(Server.BaseUrl, gate), Dir.Sub("cache"));

        var callers = Enumerable.Range(0, 16).Select(_ => Task.Run(() => cache.GetOrDownloadAsync(address))).ToArray();
        await gate.FirstGetArrived;
        gate.Open();
        var paths = await Task.WhenAll(callers);

        Assert.Equal(1, gate.Gets);
        Assert.All(paths, p => Assert.Equal(cache.PathOf(address), p));
        Assert.Equal(content, await File.ReadAllBytesAsync(paths[0]));
        Assert.Equal(paths[0], await cache.GetOrDownloadAsync(address));
        Assert.Equal(1, gate.Gets);
    }

    [Fact]
    public async Task A_caller_giving_up_does_not_cancel_the_shared_download()
    {
        var content = Build.Content(10_000);
        var address = await Build.Client(Server.BaseUrl).PutAsync(new MemoryStream(content));
        var gate = new GatedHandler();
        using var cache = new BlobCache(Build.Client(Server.BaseUrl, gate), Dir.Sub("cache"));
        using var impatient = new CancellationTokenSource();

        var first = cache.GetOrDownloadAsync(address, impatient.Token);
        var second = cache.GetOrDownloadAsync(address);
        await gate.FirstGetArrived;
        impatient.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        gate.Open();

        Assert.Equal(content, await File.ReadAllBytesAsync(await second));
        Assert.Equal(1, gate.Gets);
    }

    [Fact]
    public async Task A_corrupted_cached_file_is_downloaded_again()
    {
        var content = Build.Content(30_000);
        var address = await Build.Client(Server.BaseUrl).PutAsync(new MemoryStream(content));
        var recorder = new RecordingHandler();
        using var cache = new BlobCache(Build.Client(Server.BaseUrl, recorder), Dir.Sub("cache"));
        Directory.CreateDirectory(Path.GetDirectoryName(cache.PathOf(address))!);
        await File.WriteAllBytesAsync(cache.PathOf(address), Build.Content(30_000, seed: 5));

        var path = await cache.GetOrDownloadAsync(address);

        Assert.Equal(content, await File.ReadAllBytesAsync(path));
        Assert.Equal(1, recorder.Gets);
    }

    [Fact]
    public async Task A_file_already_in_the_cache_is_verified_and_used_without_download()
    {
        var content = Build.Content(30_000);
        var address = BlobAddress.Compute(content);
        var recorder = new RecordingHandler();
        using var cache = new BlobCache(Build.Client(Server.BaseUrl, recorder), Dir.Sub("cache"));
        Directory.CreateDirectory(Path.GetDirectoryName(cache.PathOf(address))!);
        await File.WriteAllBytesAsync(cache.PathOf(address), content);

        Assert.Equal(cache.PathOf(address), await cache.GetOrDownloadAsync(address));
        Assert.Equal(0, recorder.Gets);
    }

    [Fact]
    public async Task Corrupted_bytes_from_the_server_fail_every_caller_and_leave_nothing()
    {
        var address = await Build.Client(Server.BaseUrl).PutAsync(new MemoryStream(Build.Content(20_000)));
        await File.WriteAllBytesAsync(Server.Store.PathOf(address), Build.Content(20_000, seed: 3));
        using var cache = new BlobCache(Build.Client(Server.BaseUrl), Dir.Sub("cache"));

        var callers = Enumerable.Range(0, 4).Select(_ => cache.GetOrDownloadAsync(address)).ToArray();

        foreach (var caller in callers)
            await Assert.ThrowsAsync<BlobIntegrityException>(() => caller);
        Assert.Empty(Dir.Files("cache"));
    }

    [Fact]
    public async Task Evict_removes_the_file_and_the_next_request_downloads_again()
    {
        var address = await Build.Client(Server.BaseUrl).PutAsync(new MemoryStream(Build.Content(1000)));
        var recorder = new RecordingHandler();
        using var cache = new BlobCache(Build.Client(Server.BaseUrl, recorder), Dir.Sub("cache"));
        await cache.GetOrDownloadAsync(address);

        Assert.True(cache.Evict(address));
        Assert.False(File.Exists(cache.PathOf(address)));
        await cache.GetOrDownloadAsync(address);

        Assert.Equal(2, recorder.Gets);
    }
}
