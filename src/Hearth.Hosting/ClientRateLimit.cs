using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;

namespace Hearth.Hosting;

/// <summary>
/// A token bucket per client: <c>burst</c> requests at once, then <c>perSecond</c>. A client is its remote IP address, an
/// IPv6 one by its /64 (what one subscriber is usually given). Buckets of idle clients are dropped by the limiter. Behind
/// a reverse proxy every client is the proxy: configure forwarded headers. Used by the order book's publish route and the
/// scheduler's anonymous worker routes (<c>Hearth.Scheduler.Api.AnonymousRateLimit</c>).
/// </summary>
public sealed class ClientRateLimit : IDisposable
{
    private readonly PartitionedRateLimiter<HttpContext> _limiter;

    public ClientRateLimit(int burst, int perSecond)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(perSecond, 1);
        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = perSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
        _limiter = PartitionedRateLimiter.Create<HttpContext, IPAddress>(http => RateLimitPartition.GetTokenBucketLimiter(ClientOf(http), _ => bucket));
    }

    /// <summary>Null when the request may go on; else the seconds after which the client may ask again (Retry-After).</summary>
    public int? TryAdmit(HttpContext http)
    {
        using var lease = _limiter.AttemptAcquire(http);
        if (lease.IsAcquired) return null;
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
    }

    /// <summary>The client a request is counted against.</summary>
    public static IPAddress ClientOf(HttpContext http)
    {
        var address = http.Connection.RemoteIpAddress;
        if (address is null) return IPAddress.None;
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address;
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }

    public void Dispose() => _limiter.Dispose();
}
