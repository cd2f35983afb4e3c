namespace Hearth.Scheduler.Api;

/// <summary>The outcome of a worker API operation: a value, or an HTTP error status with a message for the caller.</summary>
public readonly record struct ApiResult<T>(T? Value, int Status, string? Error)
{
    public bool Ok => Error is null;

    public static ApiResult<T> Success(T value) => new(value, 200, null);

    public static ApiResult<T> Fail(int status, string error) => new(default, status, error);

    public static implicit operator ApiResult<T>(T value) => Success(value);
}
