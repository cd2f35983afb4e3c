using Hearth.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Hearth.Scheduler.Api;

/// <summary>
/// The worker API's anonymous routes (challenge and login) limited per client (<see cref="ClientRateLimit"/>: an IP
/// address, an IPv6 one by its /64): <see cref="SchedulerOptions.AnonymousBurstRequests"/> at once, then <see
/// cref="SchedulerOptions.AnonymousRequestsPerSecond"/>. Behind a reverse proxy every client is the proxy: configure
/// forwarded headers.
/// </summary>
public sealed class AnonymousRateLimit(IOptions<SchedulerOptions> options) : IDisposable
{
    private readonly ClientRateLimit _limit = new(options.Value.AnonymousBurstRequests, options.Value.AnonymousRequestsPerSecond);

    /// <summary>Null when the request may go on; else the seconds after which the client may ask again.</summary>
    public int? TryAdmit(HttpContext http) => _limit.TryAdmit(http);

    public void Dispose() => _limit.Dispose();
}
