namespace Hearth.Storage.Tests;

public sealed class FileBlobStoreTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Put_stores_content_under_shard_and_hash()
    {
        var store = Build.Store(_dir);
        var content = Build.Content(10_000);

        var result = await store.PutAsync(new MemoryStream(content));

        var expected = BlobAddress.Compute(content);
        Assert.Equal(new BlobPutResult(expected, 10_000, Created: true), result);
        Assert.Equal([Path.Combine("store", expected.Shard, expected.Hex)], _dir.Files());
        Assert.Equal(content, await File.ReadAllBytesAsync(store.PathOf(expected)));
        Assert.True(await store.ExistsAsync(expected));
        Assert.Equal(10_000, await store.GetSizeAsync(expected));
    }

    [Fact]
    public async Task Put_of_existing_content_is_idempotent()
    {
        var store = Build.Store(_dir);
        var content = Build.Content(500);

        var first = await store.PutAsync(new MemoryStream(content));
        var second = await store.PutAsync(new MemoryStream(content));
        var third = await store.PutAsync(new MemoryStream(content), first.Address);

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.False(third.Created);
        Assert.Single(_dir.Files());
    }

    [Fact]
    public async Task Put_with_wrong_expected_hash_stores_nothing()
    {
        var store = Build.Store(_dir);
        var claimed = BlobAddress.Compute("something else"u8);

        var error = await Assert.ThrowsAsync<BlobIntegrityException>(() => store.PutAsync(new MemoryStream(Build.Content(300)), claimed));

        Assert.Equal(claimed, error.Expected);
        Assert.Equal(BlobAddress.Compute(Build.Content(300)), error.Actual);
        Assert.Empty(_dir.Files());
    }

    [Fact]
    public async Task Put_over_the_limit_is_rejected_and_leaves_no_file()
    {
        var store = Build.Store(_dir, maxBlobBytes: 1000);

        var error = await Assert.ThrowsAsync<BlobTooLargeException>(() => store.PutAsync(new MemoryStream(Build.Content(1001))));

        Assert.Equal(1000, error.MaxBlobBytes);
        Assert.Empty(_dir.Files());
        Assert.True((await store.PutAsync(new MemoryStream(Build.Content(1000)))).Created);
    }

    [Fact]
    public async Task Concurrent_puts_of_the_same_content_store_it_once()
    {
        var store = Build.Store(_dir);
        var content = Build.Content(512 * 1024);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => store.PutAsync(new MemoryStream(content)))));

        Assert.All(results, r => Assert.Equal(BlobAddress.Compute(content), r.Address));
        Assert.Single(results, r => r.Created);
        Assert.Single(_dir.Files());
        Assert.Equal(content, await File.ReadAllBytesAsync(store.PathOf(results[0].Address)));
    }

    [Fact]
    public async Task Reads_whole_blob_and_ranges()
    {
        var store = Build.Store(_dir);
        var content = Build.Content(1000);
        var address = (await store.PutAsync(new MemoryStream(content))).Address;

        Assert.Equal(content, await ReadAllAsync(await store.OpenReadAsync(address)));
        Assert.Equal(content[..10], await ReadAllAsync(await store.OpenReadAsync(address, new BlobRange(0, 10))));
        Assert.Equal(content[400..600], await ReadAllAsync(await store.OpenReadAsync(address, new BlobRange(400, 200))));
        Assert.Equal(content[990..], await ReadAllAsync(await store.OpenReadAsync(address, new BlobRange(990, 50))));
        Assert.Equal(content[700..], await ReadAllAsync(await store.OpenReadAsync(address, new BlobRange(700))));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.OpenReadAsync(address, new BlobRange(1000)));
    }

    [Fact]
    public async Task Missing_blob_reads_as_absent()
    {
        var store = Build.Store(_dir);
        var address = BlobAddress.Compute("never stored"u8);

        Assert.Null(await store.OpenReadAsync(address));
        Assert.False(await store.ExistsAsync(address));
        Assert.Null(await store.GetSizeAsync(address));
        Assert.False(await store.DeleteAsync(address));
    }

    [Fact]
    public async Task Delete_removes_the_blob_but_an_open_reader_keeps_reading()
    {
        var store = Build.Store(_dir);
        var content = Build.Content(2000);
        var address = (await store.PutAsync(new MemoryStream(content))).Address;
        await using var reader = await store.OpenReadAsync(address);

        Assert.True(await store.DeleteAsync(address));

        Assert.False(await store.ExistsAsync(address));
        Assert.Equal(content, await ReadAllAsync(reader!));
    }

    [Fact]
    public async Task Start_up_sweep_removes_only_abandoned_uploads()
    {
        var time = new ManualTime(DateTimeOffset.UtcNow);
        var store = Build.Store(_dir, time: time);
        var abandoned = Path.Combine(store.IncomingPath, "abandoned.upload");
        var live = Path.Combine(store.IncomingPath, "live.upload");
        await File.WriteAllBytesAsync(abandoned, [1, 2, 3]);
        await File.WriteAllBytesAsync(live, [4, 5, 6]);
        File.SetLastWriteTimeUtc(abandoned, time.Now.UtcDateTime - TimeSpan.FromHours(2));
        File.SetLastWriteTimeUtc(live, time.Now.UtcDateTime - TimeSpan.FromMinutes(5));

        Assert.Equal(1, store.RemoveStaleUploads());

        Assert.False(File.Exists(abandoned));
        Assert.True(File.Exists(live));
        time.Now += TimeSpan.FromHours(1);
        Assert.Equal(1, store.RemoveStaleUploads());
        Assert.Empty(_dir.Files());
    }

    [Fact]
    public void Store_refuses_unusable_options()
    {
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(
            () => new FileBlobStore(new StorageOptions { RootPath = "relative/folder" }));

        Assert.Contains("Storage:RootPath 'relative/folder' is relative", error.Message);
    }

    private static async Task<byte[]> ReadAllAsync(Stream? stream)
    {
        Assert.NotNull(stream);
        await using (stream)
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return copy.ToArray();
        }
    }
}
