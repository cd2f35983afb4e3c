namespace Hearth.Storage.Tests;

public sealed class FileBlobStoreBatchTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task PutMany_stores_each_blob_and_says_which_were_new()
    {
        var store = Build.Store(_dir);
        var old = Build.Content(700, seed: 1);
        await store.PutAsync(new MemoryStream(old));
        var fresh = Build.Content(300, seed: 2);

        var results = await store.PutManyAsync(Streams(fresh, old, fresh, []));

        Assert.Equal(
            [
                new BlobPutResult(BlobAddress.Compute(fresh), 300, Created: true),
                new BlobPutResult(BlobAddress.Compute(old), 700, Created: false),
                new BlobPutResult(BlobAddress.Compute(fresh), 300, Created: false),
                new BlobPutResult(BlobAddress.Compute([]), 0, Created: true),
            ],
            results);
        Assert.Equal(fresh, await File.ReadAllBytesAsync(store.PathOf(BlobAddress.Compute(fresh))));
        Assert.Empty(await File.ReadAllBytesAsync(store.PathOf(BlobAddress.Compute([]))));
        Assert.Equal(3, _dir.Files().Length);
    }

    [Fact]
    public async Task PutMany_stores_nothing_when_reading_fails_midway()
    {
        var store = Build.Store(_dir);

        async IAsyncEnumerable<Stream> TwoThenFail()
        {
            yield return new MemoryStream(Build.Content(100, seed: 1));
            yield return new MemoryStream(Build.Content(100, seed: 2));
            await Task.Yield();
            throw new IOException("connection lost");
        }

        await Assert.ThrowsAsync<IOException>(() => store.PutManyAsync(TwoThenFail()));

        Assert.Empty(_dir.Files());
    }

    [Fact]
    public async Task PutMany_with_a_blob_over_the_limit_stores_nothing()
    {
        var store = Build.Store(_dir, maxBlobBytes: 1000);

        await Assert.ThrowsAsync<BlobTooLargeException>(() => store.PutManyAsync(Streams(Build.Content(1000), Build.Content(1001))));

        Assert.Empty(_dir.Files());
    }

    [Fact]
    public async Task PutMany_of_many_small_blobs()
    {
        var store = Build.Store(_dir);
        var blobs = Enumerable.Range(0, 200).Select(i => Build.Content(512, seed: i)).ToArray();

        var results = await store.PutManyAsync(Streams(blobs));

        Assert.Equal(blobs.Select(b => BlobAddress.Compute(b)), results.Select(r => r.Address));
        Assert.All(results, r => Assert.True(r.Created));
        Assert.All(blobs, b => Assert.Equal(b, File.ReadAllBytes(store.PathOf(BlobAddress.Compute(b)))));
        Assert.Equal(200, _dir.Files().Length);
    }

    private static async IAsyncEnumerable<Stream> Streams(params byte[][] blobs)
    {
        foreach (var blob in blobs)
        {
            await Task.Yield();
            yield return new MemoryStream(blob);
        }
    }
}
