using System.Net;

namespace Hearth.Market.Client;

/// <summary>The market could not be reached at all (refused, timed out, DNS).</summary>
public sealed class MarketUnreachableException(Uri baseUrl, Exception inner)
    : Exception($"the market at {baseUrl} is unreachable ({inner.Message})", inner)
{
    public Uri BaseUrl { get; } = baseUrl;
}

/// <summary>The market answered with an error; the message is its problem detail.</summary>
public sealed class MarketRequestException(HttpStatusCode status, string? code, string? field, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;

    /// <summary>The book's stable error code, e.g. "bad-signature", "not-registered", "malformed".</summary>
    public string? Code { get; } = code;

    /// <summary>For a malformed order, the field at fault, e.g. "order.appprice".</summary>
    public string? Field { get; } = field;

    /// <summary>For a 429 ("rate-limited"), how long the market asked the client to wait.</summary>
    public TimeSpan? RetryAfter { get; init; }
}
