namespace Hearth.Storage;

/// <summary>The storage service could not be reached or the transfer was cut off.</summary>
public sealed class StorageUnavailableException : StorageException
{
    public StorageUnavailableException(Uri baseUrl, string message, Exception? inner = null) : base(message, inner)
    {
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }
}
