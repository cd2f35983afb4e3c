namespace Hearth.Storage;

/// <summary>Settings of the storage role (configuration section <c>Storage</c>).</summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>Absolute folder holding the blobs; created when missing.</summary>
    public string RootPath { get; set; } = "";

    /// <summary>Largest blob accepted, in bytes. Default 2 GiB.</summary>
    public long MaxBlobBytes { get; set; } = 2L * 1024 * 1024 * 1024;

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
        target.StaleUploadAge = StaleUploadAge;
        target.ListenPort = ListenPort;
    }
}
