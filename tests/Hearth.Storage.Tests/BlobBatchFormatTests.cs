namespace Hearth.Storage.Tests;

public sealed class BlobBatchFormatTests
{
    private static readonly BlobBatchLimits Roomy = new(MaxBlobs: 100, MaxBlobBytes: 1000, MaxBatchBytes: 10_000);

    [Fact]
    public async Task Written_batch_reads_back_blob_by_blob()
    {
        byte[][] blobs = [Build.Content(10, seed: 1), [], Build.Content(1000, seed: 2)];
        using var body = new MemoryStream();

        await BlobBatchFormat.WriteAsync(body, blobs.Select(b => (ReadOnlyMemory<byte>)b), CancellationToken.None);
        body.Position = 0;
        var read = await ReadAllAsync(body, Roomy);

        Assert.Equal(BatchBody.Of(blobs), body.ToArray());
        Assert.Equal(3 * BlobBatchFormat.LengthPrefixBytes + 1010, body.Length);
        Assert.Equal(blobs, read);
    }

    [Fact]
    public void Length_prefix_is_eight_bytes_big_endian()
    {
        Assert.Equal([0, 0, 0, 0, 0, 0, 0x01, 0x02], BatchBody.Prefix(0x0102));
        Assert.Equal(8 + 258, BlobBatchFormat.RecordBytes(258));
    }

    [Theory]
    [InlineData(3, 1000, 10_000, 3, true)]
    [InlineData(2, 1000, 10_000, 3, false)]
    [InlineData(3, 99, 10_000, 3, false)]
    [InlineData(3, 1000, 3 * (8 + 100), 3, true)]
    [InlineData(3, 1000, 3 * (8 + 100) - 1, 3, false)]
    public async Task Limits_are_inclusive(int maxBlobs, long maxBlobBytes, long maxBatchBytes, int blobs, bool accepted)
    {
        var body = new MemoryStream(BatchBody.Of([.. Enumerable.Range(0, blobs).Select(i => Build.Content(100, seed: i))]));
        var limits = new BlobBatchLimits(maxBlobs, maxBlobBytes, maxBatchBytes);

        var error = await Record.ExceptionAsync(() => ReadAllAsync(body, limits));

        Assert.Equal(accepted, error is null);
        if (!accepted)
            Assert.IsType<InvalidBlobBatchException>(error);
    }

    [Fact]
    public async Task A_blob_must_be_read_to_its_end_before_the_next()
    {
        var body = new MemoryStream(BatchBody.Of(Build.Content(10), Build.Content(10)));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var blob in BlobBatchFormat.ReadAsync(body, Roomy, CancellationToken.None))
                blob.ReadByte();
        });

        Assert.Contains("index 0 was not read to its end", error.Message);
    }

    private static async Task<List<byte[]>> ReadAllAsync(Stream body, BlobBatchLimits limits)
    {
        var blobs = new List<byte[]>();
        await foreach (var blob in BlobBatchFormat.ReadAsync(body, limits, CancellationToken.None))
        {
            using var copy = new MemoryStream();
            await blob.CopyToAsync(copy);
            blobs.Add(copy.ToArray());
        }
        return blobs;
    }
}
