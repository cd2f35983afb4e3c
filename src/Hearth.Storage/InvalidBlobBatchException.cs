namespace Hearth.Storage;

/// <summary>A batch upload body broke the format of <see cref="BlobBatchFormat"/> or a limit; nothing of it was stored.</summary>
internal sealed class InvalidBlobBatchException(InvalidBlobBatchReason reason, string message) : StorageException(message)
{
    public InvalidBlobBatchReason Reason { get; } = reason;
}

internal enum InvalidBlobBatchReason
{
    /// <summary>The body holds no record.</summary>
    Empty,

    /// <summary>The body ends inside a length prefix or before a blob's declared length.</summary>
    Truncated,

    TooManyBlobs,

    /// <summary>A blob declares more bytes than <see cref="StorageOptions.MaxBlobBytes"/>.</summary>
    BlobTooLarge,

    /// <summary>The records add up to more than <see cref="StorageOptions.MaxBatchBytes"/>.</summary>
    BatchTooLarge,
}
