namespace Hearth.Storage;

/// <summary>Settings of the storage role (configuration section <c>Storage</c>).</summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>Default of <see cref="MaxBatchBlobs"/>, also the <see cref="Client.StorageClient"/>'s default.</summary>
    public const int DefaultMaxBatchBlobs = 1024;

    /// <summary>Default of <see cref="MaxBatchBytes"/> (64 MiB), also the <see cref="Client.StorageClient"/>'s default.</summary>
    public const long DefaultMaxBatchBytes = 64L * 1024 * 1024;

    /// <summary>Absolute folder holding the blobs; created when missing.</summary>
    public string RootPath { get; set; } = "";

    /// <summary>Largest blob accepted, in bytes. Default 2 GiB.</summary>
    public long MaxBlobBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>
    /// Most blobs in one <c>POST /blobs/batch</c> upload, and most addresses in one <c>POST /blobs/exists</c> query.
    /// Default 1,024.
    /// </summary>
    public int MaxBatchBlobs { get; set; } = DefaultMaxBatchBlobs;

    /// <summary>
    /// Largest body of a <c>POST /blobs/batch</c> upload in bytes, length prefixes included (8 bytes a blob). A blob in
    /// a batch is also held to <see cref="MaxBlobBytes"/>. Default 64 MiB.
    /// </summary>
    public long MaxBatchBytes { get; set; } = DefaultMaxBatchBytes;

    /// <summary>
    /// Age after which an unfinished upload's temporary file is taken as abandoned (a crashed writer) and removed at
    /// start-up. Long enough that a slow upload by another process sharing the folder is never removed. Default 1 hour.
    /// </summary>
    public TimeSpan StaleUploadAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Loopback port used by <see cref="Http.StorageServer"/>; 0 picks a free port. Ignored when the endpoints are
    /// mapped into another host.
    /// </summary>
    public int ListenPort { get; set; }

    internal void CopyTo(StorageOptions target)
    {
        target.RootPath = RootPath;
        target.MaxBlobBytes = MaxBlobBytes;
        target.MaxBatchBlobs = MaxBatchBlobs;
        target.MaxBatchBytes = MaxBatchBytes;
        target.StaleUploadAge = StaleUploadAge;
        target.ListenPort = ListenPort;
    }
}
