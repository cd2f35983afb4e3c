namespace Hearth.Storage;

/// <summary>A blob exceeded the store's size limit; nothing was stored.</summary>
public sealed class BlobTooLargeException : StorageException
{
    public BlobTooLargeException(long maxBlobBytes, string? message = null)
        : base(message ?? $"The blob is larger than the limit of {maxBlobBytes} bytes; nothing was stored.")
    {
        MaxBlobBytes = maxBlobBytes;
    }

    /// <summary>The limit in bytes, or -1 when the server did not say.</summary>
    public long MaxBlobBytes { get; }
}
