namespace Hearth.Worker.Execution;

/// <summary>
/// A download of an asset failed. <see cref="Exception.Message"/> may go into a failure report that the scheduler shows
/// publicly: it names the host, the HTTP status or the limit, never text the remote sent. <see cref="LocalDetail"/> may
/// hold more (the start of an error body, the local exception) for the worker's own log.
/// </summary>
public sealed class DownloadException(string message, DownloadFailure failure, string? localDetail = null, Exception? inner = null)
    : Exception(message, inner)
{
    public DownloadFailure Failure { get; } = failure;

    /// <summary>For the worker's log only.</summary>
    public string? LocalDetail { get; } = localDetail;

    /// <summary>Whether another attempt may succeed (a network fault, an idle server, a 5xx answer).</summary>
    public bool Retryable => Failure == DownloadFailure.Transient;
}

/// <summary>How a download failed, for the retry decision.</summary>
public enum DownloadFailure
{
    /// <summary>Another attempt may succeed.</summary>
    Transient,

    /// <summary>The storage answered that it does not hold the blob.</summary>
    NotFound,

    /// <summary>Refused for good: over a size limit, past the total timeout, a forbidden address, a 4xx answer.</summary>
    Permanent,
}
