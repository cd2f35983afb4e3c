using System.Net;

namespace Hearth.Worker.Api;

/// <summary>Base of every failure talking to the scheduler; the message names the scheduler and what went wrong.</summary>
public class SchedulerException : Exception
{
    public SchedulerException(Uri schedulerUrl, string message, Exception? inner = null) : base(message, inner)
    {
        SchedulerUrl = schedulerUrl;
    }

    public Uri SchedulerUrl { get; }
}

/// <summary>The scheduler could not be reached, or did not answer in time. Retrying later may succeed.</summary>
public sealed class SchedulerUnreachableException(Uri schedulerUrl, string message, Exception? inner = null)
    : SchedulerException(schedulerUrl, message, inner);

/// <summary>The scheduler refused the worker's identity: the login failed, or a fresh token was refused again.</summary>
public sealed class SchedulerUnauthorizedException(Uri schedulerUrl, string message)
    : SchedulerException(schedulerUrl, message);

/// <summary>The scheduler answered with an error; <see cref="Detail"/> is what its problem details said.</summary>
public sealed class SchedulerRequestException(Uri schedulerUrl, HttpStatusCode statusCode, string detail, string message)
    : SchedulerException(schedulerUrl, message)
{
    public HttpStatusCode StatusCode { get; } = statusCode;

    public string Detail { get; } = detail;

    /// <summary>A 4xx answer: the request will not succeed by being sent again.</summary>
    public bool IsClientError => (int)StatusCode is >= 400 and < 500;
}
