namespace Hearth.Scheduler.Api;

/// <summary>The outcome of a worker API operation: a value, or an HTTP error status with a message for the caller.</summary>
public readonly record struct ApiResult<T>(T? Value, int Status, string? Error)
{
    public bool Ok => Error is null;

    /// <summary>With a 429 or a 503: when to ask again, seconds (the Retry-After header).</summary>
    public int? RetryAfterSeconds { get; init; }

    public static ApiResult<T> Success(T value) => new(value, 200, null);

    public static ApiResult<T> Fail(int status, string error) => new(default, status, error);

    /// <summary>429: the request may succeed later, after <paramref name="retryAfterSeconds"/>.</summary>
    public static ApiResult<T> TooMany(string error, int retryAfterSeconds) => new(default, 429, error) { RetryAfterSeconds = retryAfterSeconds };

    /// <summary>503: something the answer depends on is out of reach for a while; the same request may succeed after <paramref name="retryAfterSeconds"/>.</summary>
    public static ApiResult<T> Unavailable(string error, int retryAfterSeconds) => new(default, 503, error) { RetryAfterSeconds = retryAfterSeconds };

    public static implicit operator ApiResult<T>(T value) => Success(value);
}
