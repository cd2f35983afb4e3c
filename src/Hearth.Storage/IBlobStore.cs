namespace Hearth.Storage;

/// <summary>A content-addressed blob store: a blob's address is the sha256 of its bytes.</summary>
public interface IBlobStore
{
    /// <summary>
    /// Stores <paramref name="content"/> read to its end. When <paramref name="expected"/> is given, content hashing to
    /// anything else is rejected with <see cref="BlobIntegrityException"/> and nothing is stored; when that blob is
    /// already present the content is not read at all. Content over the size limit throws <see cref="BlobTooLargeException"/>.
    /// </summary>
    Task<BlobPutResult> PutAsync(Stream content, BlobAddress? expected = null, CancellationToken ct = default);

    /// <summary>
    /// Stores every blob of <paramref name="contents"/> as <see cref="PutAsync"/> would, reading each to its end before
    /// asking for the next; the results come in the same order. When reading fails (the sequence throws, or a blob is
    /// over the size limit) nothing is stored.
    /// </summary>
    Task<IReadOnlyList<BlobPutResult>> PutManyAsync(IAsyncEnumerable<Stream> contents, CancellationToken ct = default);

    /// <summary>Opens the blob (or a range of it) for reading, or returns null when the blob is absent.</summary>
    Task<Stream?> OpenReadAsync(BlobAddress address, BlobRange? range = null, CancellationToken ct = default);

    Task<bool> ExistsAsync(BlobAddress address, CancellationToken ct = default);

    /// <summary>The blob's size in bytes, or null when absent.</summary>
    Task<long?> GetSizeAsync(BlobAddress address, CancellationToken ct = default);

    /// <summary>Removes the blob; returns false when it was not there. Readers that already opened it keep reading.</summary>
    Task<bool> DeleteAsync(BlobAddress address, CancellationToken ct = default);
}
