using Hearth.Market.Verification;
using Hearth.Protocol.Orders;
using Microsoft.Extensions.Logging;

namespace Hearth.Market.Book;

/// <summary>Publishes one order: an order already in the book is returned as it stands (publishing is idempotent);
/// a new one is verified against the chain, then stored.</summary>
public sealed class OrderPublisher(OrderVerifier verifier, OrderBook book, MarketChain chain, TimeProvider time, ILogger<OrderPublisher> logger)
{
    public async Task<(StoredOrder Order, bool Created)> PublishAsync(IOrder order, byte[] signature, CancellationToken ct)
    {
        var hash = verifier.HashOf(order);
        if (await book.FindAsync(hash, ct) is { } known) return (known, false);

        VerifiedOrder verified;
        try
        {
            verified = await verifier.VerifyAsync(order, signature, ct);
        }
        catch (OrderRejectedException e)
        {
            MarketLog.OrderRefused(logger, OrderKinds.Name(order.Kind), e.Message);
            throw;
        }
        var row = OrderIndex.Row(order, verified.Hash, signature, verified.Signer, verified.Remaining, time.GetUtcNow().ToUnixTimeMilliseconds());
        var (stored, created) = await book.AddAsync(row, ct);
        if (!created) return (stored, false);
        MarketLog.OrderPublished(logger, OrderKinds.Name(order.Kind), row.Hash, row.Signer, verified.Remaining.ToString());

        // The chain sync may have read the block of a deal that used this order between the check above and the insert,
        // and found nothing to update. Anything mined after this second read, it will see with the order stored.
        var remaining = await chain.RemainingAsync(order.Kind, hash, OrderIndex.Volume(order), ct);
        if (remaining != verified.Remaining) stored = await book.SetRemainingAsync(row.Hash, remaining, ct) ?? stored;
        return (stored, true);
    }
}
