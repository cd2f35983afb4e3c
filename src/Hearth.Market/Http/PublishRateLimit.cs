using Hearth.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Hearth.Market.Http;

/// <summary>The per-client allowance of publications (<see cref="MarketOptions.PublishBurst"/> at once, then
/// <see cref="MarketOptions.PublishPerSecond"/>): each one costs several chain reads.</summary>
public sealed class PublishRateLimit(IOptions<MarketOptions> options) : IDisposable
{
    private readonly ClientRateLimit _limit = new(options.Value.PublishBurst, options.Value.PublishPerSecond);

    /// <summary>Null when the publication may go on; else the seconds to put in Retry-After.</summary>
    public int? TryAdmit(HttpContext http) => _limit.TryAdmit(http);

    public void Dispose() => _limit.Dispose();
}
