using Microsoft.Extensions.Logging;

namespace Hearth.Storage;

/// <summary>Source-generated log messages of the storage role; event ids 4100-4199 belong to Hearth.Storage.</summary>
internal static partial class StorageLog
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "Stored blob {Address} ({Size} bytes)")]
    public static partial void BlobStored(ILogger logger, BlobAddress address, long size);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Debug, Message = "Blob {Address} was already stored")]
    public static partial void BlobAlreadyPresent(ILogger logger, BlobAddress address);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Rejected upload for {Expected}: content hashes to {Actual}")]
    public static partial void HashMismatch(ILogger logger, BlobAddress expected, BlobAddress actual);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "Rejected upload over the limit of {MaxBlobBytes} bytes")]
    public static partial void TooLarge(ILogger logger, long maxBlobBytes);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Information, Message = "Deleted blob {Address}")]
    public static partial void BlobDeleted(ILogger logger, BlobAddress address);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Information, Message = "Removed abandoned upload {Path}")]
    public static partial void StaleUploadRemoved(ILogger logger, string path);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Warning, Message = "Could not remove temporary file {Path}")]
    public static partial void TempFileNotRemoved(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Information, Message = "Storage serving {Root} at {BaseUrl}")]
    public static partial void ServerStarted(ILogger logger, string root, Uri baseUrl);

    [LoggerMessage(EventId = 4108, Level = LogLevel.Information, Message = "Stored a batch of {Count} blobs ({Created} new, {Bytes} bytes)")]
    public static partial void BatchStored(ILogger logger, int count, int created, long bytes);

    [LoggerMessage(EventId = 4110, Level = LogLevel.Information, Message = "Downloaded blob {Address} into the cache ({Size} bytes)")]
    public static partial void CacheDownloaded(ILogger logger, BlobAddress address, long size);

    [LoggerMessage(EventId = 4111, Level = LogLevel.Warning, Message = "Cached blob {Address} no longer matches its hash; downloading it again")]
    public static partial void CacheCorrupted(ILogger logger, BlobAddress address);

    [LoggerMessage(EventId = 4112, Level = LogLevel.Information, Message = "Resuming download of {Address} at byte {Offset}")]
    public static partial void DownloadResumed(ILogger logger, BlobAddress address, long offset);
}
