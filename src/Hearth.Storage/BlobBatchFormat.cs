using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Hearth.Storage;

/// <summary>
/// The body of a batch upload (<c>POST /blobs/batch</c>, media type <c>application/octet-stream</c>): a sequence of
/// records, each an 8-byte big-endian unsigned length followed by exactly that many bytes of blob content.
/// <code>
/// [length 0: 8 bytes, big-endian][blob 0: length 0 bytes][length 1: 8 bytes, big-endian][blob 1] …
/// </code>
/// There is no header, padding or trailer: the body ends right after the last record. A blob may be empty (a record
/// that is only its prefix, 8 zero bytes); a body without any record is not a batch. Used by the server to read
/// batches and by <see cref="Client.StorageClient"/> to write them.
/// </summary>
internal static class BlobBatchFormat
{
    public const int LengthPrefixBytes = sizeof(ulong);

    /// <summary>The bytes a blob of <paramref name="blobBytes"/> bytes takes in a batch body.</summary>
    public static long RecordBytes(long blobBytes) => LengthPrefixBytes + blobBytes;

    public static async Task WriteAsync(Stream destination, IEnumerable<ReadOnlyMemory<byte>> blobs, CancellationToken ct)
    {
        var prefix = new byte[LengthPrefixBytes];
        foreach (var blob in blobs)
        {
            BinaryPrimitives.WriteUInt64BigEndian(prefix, (ulong)blob.Length);
            await destination.WriteAsync(prefix, ct);
            await destination.WriteAsync(blob, ct);
        }
    }

    /// <summary>
    /// The blobs of <paramref name="body"/>, one at a time, each a stream over the body itself, never held in memory:
    /// read each to its end before asking for the next. Throws <see cref="InvalidBlobBatchException"/> as soon as the
    /// body breaks the format or <paramref name="limits"/>: declared lengths are checked before their bytes are read.
    /// </summary>
    public static async IAsyncEnumerable<Stream> ReadAsync(Stream body, BlobBatchLimits limits, [EnumeratorCancellation] CancellationToken ct)
    {
        var prefix = new byte[LengthPrefixBytes];
        long batchBytes = 0;
        for (var index = 0; ; index++)
        {
            var read = await body.ReadAtLeastAsync(prefix, LengthPrefixBytes, throwOnEndOfStream: false, ct);
            if (read == 0 && index > 0)
                yield break;
            if (read == 0)
                throw new InvalidBlobBatchException(InvalidBlobBatchReason.Empty,
                    "The batch is empty: send at least one record (an 8-byte big-endian length, then that many bytes).");
            if (read < LengthPrefixBytes)
                throw new InvalidBlobBatchException(InvalidBlobBatchReason.Truncated,
                    $"The body ends {read} bytes into the length prefix of the blob at index {index}; a prefix is {LengthPrefixBytes} bytes.");
            if (index == limits.MaxBlobs)
                throw new InvalidBlobBatchException(InvalidBlobBatchReason.TooManyBlobs,
                    $"The batch has more than {limits.MaxBlobs} blobs, this store's limit per batch; send the others in another batch.");

            var length = BinaryPrimitives.ReadUInt64BigEndian(prefix);
            if (length > (ulong)limits.MaxBlobBytes)
                throw new InvalidBlobBatchException(InvalidBlobBatchReason.BlobTooLarge,
                    $"The blob at index {index} declares {length} bytes, over this store's limit of {limits.MaxBlobBytes} bytes per blob; nothing was stored.");
            if (LengthPrefixBytes + length > (ulong)(limits.MaxBatchBytes - batchBytes))
                throw new InvalidBlobBatchException(InvalidBlobBatchReason.BatchTooLarge,
                    $"The blob at index {index} takes the batch over this store's limit of {limits.MaxBatchBytes} bytes per batch; send it in another batch.");
            batchBytes += RecordBytes((long)length);

            var blob = new BlobBatchRecordStream(body, (long)length, index);
            yield return blob;
            if (blob.Remaining > 0)
                throw new InvalidOperationException($"The blob at index {index} was not read to its end before the next one was asked for.");
        }
    }
}

/// <summary>What a batch may hold: blobs, bytes per blob, bytes in all (length prefixes included).</summary>
internal readonly record struct BlobBatchLimits(int MaxBlobs, long MaxBlobBytes, long MaxBatchBytes)
{
    public static BlobBatchLimits Of(StorageOptions options) => new(options.MaxBatchBlobs, options.MaxBlobBytes, options.MaxBatchBytes);
}
