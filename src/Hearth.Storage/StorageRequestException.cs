using System.Net;

namespace Hearth.Storage;

/// <summary>The storage service answered with an error not covered by a more specific exception.</summary>
public sealed class StorageRequestException : StorageException
{
    public StorageRequestException(HttpStatusCode statusCode, string message) : base(message)
    {
        StatusCode = statusCode;
    }

    public HttpStatusCode StatusCode { get; }
}
