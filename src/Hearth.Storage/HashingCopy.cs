using System.Buffers;
using System.Security.Cryptography;

namespace Hearth.Storage;

/// <summary>Copies a stream while hashing it, so content is hashed exactly once and never held in memory whole.</summary>
internal static class HashingCopy
{
    private const int BufferBytes = 81920;

    /// <summary>
    /// Copies <paramref name="source"/> to its end into <paramref name="destination"/>, feeding <paramref name="hash"/>.
    /// Throws <see cref="BlobTooLargeException"/> as soon as more than <paramref name="maxBytes"/> arrive.
    /// </summary>
    public static async Task<long> CopyAsync(Stream source, Stream destination, IncrementalHash hash, long maxBytes, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
        try
        {
            long total = 0;
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, BufferBytes), ct)) > 0)
            {
                total += read;
                if (total > maxBytes)
                    throw new BlobTooLargeException(maxBytes);
                hash.AppendData(buffer, 0, read);
                await destination.WriteAsync(buffer.AsMemory(0, read), ct);
            }
            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Feeds the whole of <paramref name="source"/> into <paramref name="hash"/>.</summary>
    public static Task<long> HashAsync(Stream source, IncrementalHash hash, CancellationToken ct) =>
        CopyAsync(source, Stream.Null, hash, long.MaxValue, ct);

    public static async Task<BlobAddress> HashFileAsync(string path, CancellationToken ct)
    {
        await using var file = OpenSequentialRead(path);
        return await BlobAddress.ComputeAsync(file, ct);
    }

    public static FileStream OpenSequentialRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1,
            FileOptions.Asynchronous | FileOptions.SequentialScan);
}
