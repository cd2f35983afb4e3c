using System.Data.Common;
using System.Net.Sockets;
using Hearth.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Nethereum.JsonRpc.Client;

namespace Hearth.Scheduler.Api;

/// <summary>
/// Something the scheduler needs to judge a request is out of reach for a while (the chain's RPC, the result storage, a
/// busy database): the request is answered 503 with Retry-After, nothing of it is recorded, and the same request sent
/// again later may succeed.
/// </summary>
public sealed class TransientFailureException(string what, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>"chain", "storage" or "database".</summary>
    public string What { get; } = what;

    /// <summary>What to tell the caller: which part was out of reach, never the exception's text (it may name hosts).</summary>
    public string PublicReason => What switch
    {
        "chain" => "the chain cannot be read right now (the scheduler's RPC endpoint is unreachable); send the same request again later",
        "storage" => "the result storage cannot be reached right now, so the result cannot be checked; send the same request again later",
        _ => "the scheduler's database is busy; send the same request again later",
    };
}

/// <summary>Which failures are transient, and what part of the infrastructure each one names.</summary>
public static partial class TransientFailures
{
    /// <summary>Seconds a worker is told to wait (Retry-After) after a 503.</summary>
    public const int RetryAfterSeconds = 5;

    /// <summary>The failure as a <see cref="TransientFailureException"/> when it is one (walking inner exceptions), else null.</summary>
    public static TransientFailureException? Classify(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            switch (x)
            {
                case TransientFailureException transient:
                    return transient;
                case StorageUnavailableException or StorageRequestException { StatusCode: >= System.Net.HttpStatusCode.InternalServerError }:
                    return new TransientFailureException("storage", x.Message, e);
                case RpcClientUnknownException or RpcClientTimeoutException:
                    return new TransientFailureException("chain", x.Message, e);
                case SqliteException { SqliteErrorCode: 5 or 6 }: // SQLITE_BUSY, SQLITE_LOCKED
                    return new TransientFailureException("database", x.Message, e);
                case DbException { IsTransient: true }:
                    return new TransientFailureException("database", x.Message, e);
            }
        }
        // A socket or an HTTP request that failed under the chain client (Nethereum wraps most, not all).
        for (var x = e; x is not null; x = x.InnerException)
            if (x is HttpRequestException or SocketException or TimeoutException)
                return new TransientFailureException("chain", x.Message, e);
        return null;
    }

    [LoggerMessage(EventId = 4360, Level = LogLevel.Warning, Message = "Exchange of worker {Worker} answered 503: the {What} is out of reach ({Detail})")]
    public static partial void Unavailable(ILogger logger, string worker, string what, string detail);

    [LoggerMessage(EventId = 4361, Level = LogLevel.Warning, Message = "Chain unreadable: judging with the last known scores and stakes of {Count} worker(s), the oldest read {AgeSeconds:0} s ago ({Detail})")]
    public static partial void StaleScores(ILogger logger, int count, double ageSeconds, string detail);
}
