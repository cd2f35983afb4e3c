using Hearth.Market.Verification;
using Hearth.Protocol.Orders;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hearth.Market.Book;

/// <summary>Publishes one order: an order already in the book is returned as it stands (publishing is idempotent);
/// a new one is verified against the chain, then stored. A requester has at most
/// <see cref="MarketOptions.MaxOpenRequestsPerRequester"/> open requests in the book.</summary>
public sealed class OrderPublisher(OrderVerifier verifier, OrderBook book, MarketChain chain, TimeProvider time, IOptions<MarketOptions> options, ILogger<OrderPublisher> logger)
{
    // Counting a requester's open requests and inserting one more happen under this gate, so parallel publications
    // cannot overshoot the bound.
    private readonly SemaphoreSlim _requests = new(1, 1);

    public async Task<(StoredOrder Order, bool Created)> PublishAsync(IOrder order, byte[] signature, CancellationToken ct)
    {
        var hash = verifier.HashOf(order);
        if (await book.FindAsync(hash, ct) is { } known) return (known, false);

        VerifiedOrder verified;
        try
        {
            if (order is RequestOrder request) await CheckOpenRequestsAsync(request.Requester, ct);
            verified = await verifier.VerifyAsync(order, signature, ct);
        }
        catch (OrderRejectedException e)
        {
            MarketLog.OrderRefused(logger, OrderKinds.Name(order.Kind), e.Message);
            throw;
        }
        var row = OrderIndex.Row(order, verified.Hash, signature, verified.Signer, verified.Remaining, time.GetUtcNow().ToUnixTimeMilliseconds());
        StoredOrder stored;
        bool created;
        if (order is RequestOrder r)
        {
            await _requests.WaitAsync(ct);
            try
            {
                await CheckOpenRequestsAsync(r.Requester, ct);
                (stored, created) = await book.AddAsync(row, ct);
            }
            catch (OrderRejectedException e)
            {
                MarketLog.OrderRefused(logger, OrderKinds.Name(order.Kind), e.Message);
                throw;
            }
            finally
            {
                _requests.Release();
            }
        }
        else
        {
            (stored, created) = await book.AddAsync(row, ct);
        }
        if (!created) return (stored, false);
        MarketLog.OrderPublished(logger, OrderKinds.Name(order.Kind), row.Hash, row.Signer, verified.Remaining.ToString());

        // The chain sync may have read the block of a deal that used this order between the check above and the insert,
        // and found nothing to update. Anything mined after this second read, it will see with the order stored.
        var remaining = await chain.RemainingAsync(order.Kind, hash, OrderIndex.Volume(order), ct);
        if (remaining != verified.Remaining) stored = await book.SetRemainingAsync(row.Hash, remaining, ct) ?? stored;
        return (stored, true);
    }

    private async Task CheckOpenRequestsAsync(string requester, CancellationToken ct)
    {
        var max = options.Value.MaxOpenRequestsPerRequester;
        var open = await book.CountOpenRequestsAsync(requester, max, ct);
        if (open >= max)
            throw new OrderRejectedException(OrderRejectedException.TooManyOrders,
                $"requester {Protocol.Addresses.Normalize(requester)} already has {open} open requests in this book, its limit: wait for them to be matched, cancel or expire");
    }
}
