using Microsoft.Extensions.Logging;

namespace Hearth.Market;

/// <summary>Source-generated log messages of the market role; event ids 4300-4399 belong to Hearth.Market.</summary>
internal static partial class MarketLog
{
    [LoggerMessage(EventId = 4300, Level = LogLevel.Information, Message = "Market serving {BaseUrl} for chain {ChainId}, market contract {Market}")]
    public static partial void ServerStarted(ILogger logger, Uri baseUrl, long chainId, string market);

    [LoggerMessage(EventId = 4301, Level = LogLevel.Information, Message = "Published {Kind} order {Hash} signed by {Signer}, {Remaining} left")]
    public static partial void OrderPublished(ILogger logger, string kind, string hash, string signer, string remaining);

    [LoggerMessage(EventId = 4302, Level = LogLevel.Information, Message = "Refused a {Kind} order: {Reason}")]
    public static partial void OrderRefused(ILogger logger, string kind, string reason);

    [LoggerMessage(EventId = 4303, Level = LogLevel.Information, Message = "Order {Hash} was cancelled on chain")]
    public static partial void OrderCancelled(ILogger logger, string hash);

    [LoggerMessage(EventId = 4304, Level = LogLevel.Debug, Message = "Order {Hash} now has {Remaining} left ({Status})")]
    public static partial void OrderRefreshed(ILogger logger, string hash, string remaining, Book.OrderStatus status);

    [LoggerMessage(EventId = 4305, Level = LogLevel.Information, Message = "Expired {Count} orders")]
    public static partial void OrdersExpired(ILogger logger, int count);

    [LoggerMessage(EventId = 4306, Level = LogLevel.Debug, Message = "Read blocks {From}-{To}: {Deals} deals, {Cancels} cancellations")]
    public static partial void BlocksRead(ILogger logger, long from, long to, int deals, int cancels);

    [LoggerMessage(EventId = 4307, Level = LogLevel.Warning, Message = "Chain sync failed; retrying at the next poll")]
    public static partial void SyncFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4308, Level = LogLevel.Information, Message = "Order book ready ({Provider}), chain sync resumes at block {Block}")]
    public static partial void BookReady(ILogger logger, string provider, long block);
}
