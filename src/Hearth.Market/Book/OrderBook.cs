using Hearth.Protocol;
using Hearth.Protocol.Orders;
using Microsoft.EntityFrameworkCore;

namespace Hearth.Market.Book;

/// <summary>The stored orders: add (idempotent), get, query. A short-lived context per call, so the HTTP handlers
/// and the chain sync never share one.</summary>
public sealed class OrderBook(IDbContextFactory<MarketDbContext> contexts, TimeProvider time)
{
    private const string ZeroAddress = "0x0000000000000000000000000000000000000000";

    /// <summary>Adds the order unless its hash is already there; returns the stored row and whether it is new.</summary>
    public async Task<(StoredOrder Order, bool Created)> AddAsync(StoredOrder order, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.Orders.Add(order);
        try
        {
            await db.SaveChangesAsync(ct);
            return (order, true);
        }
        catch (DbUpdateException)
        {
            // Two publications of the same order raced: the other one won, which is the same outcome.
            var existing = await FindAsync(order.Hash, ct);
            if (existing is null) throw;
            return (existing, false);
        }
    }

    public async Task<StoredOrder?> FindAsync(string hash, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Orders.AsNoTracking().FirstOrDefaultAsync(o => o.Hash == hash, ct);
    }

    public Task<StoredOrder?> FindAsync(Hash32 hash, CancellationToken ct) => FindAsync(hash.ToString(), ct);

    /// <summary>Records what is left of an open order on chain (used up at zero); returns the row as it now stands.</summary>
    public async Task<StoredOrder?> SetRemainingAsync(string hash, System.Numerics.BigInteger remaining, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var order = await db.Orders.FirstOrDefaultAsync(o => o.Hash == hash, ct);
        var key = UintKey.Of(remaining);
        if (order is not { Status: OrderStatus.Open } || order.RemainingKey == key) return order;
        order.RemainingKey = key;
        if (remaining.IsZero) order.Status = OrderStatus.Consumed;
        order.UpdatedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        await db.SaveChangesAsync(ct);
        return order;
    }

    /// <summary>One page in the book's order (cheapest first, then oldest, then by hash) starting after
    /// <see cref="OrderQuery.After"/>; <c>Next</c> is where the following page starts, null on the last page. Keyset
    /// paging: no COUNT and no OFFSET, so a page deep in the book costs what the first one does.</summary>
    public async Task<(IReadOnlyList<StoredOrder> Items, OrderCursor? Next)> QueryAsync(OrderKind kind, OrderQuery query, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var orders = Filter(db.Orders.AsNoTracking().Where(o => o.Kind == kind), kind, query);
        if (query.After is { } after)
        {
            var (price, ms, hash) = (after.PriceKey, after.PublishedAtMs, after.Hash);
            orders = orders.Where(o => string.Compare(o.PriceKey, price) > 0
                || (o.PriceKey == price && (o.PublishedAtMs > ms || (o.PublishedAtMs == ms && string.Compare(o.Hash, hash) > 0))));
        }
        var items = await orders
            .OrderBy(o => o.PriceKey).ThenBy(o => o.PublishedAtMs).ThenBy(o => o.Hash)
            .Take(query.PageSize + 1)
            .ToListAsync(ct);
        if (items.Count <= query.PageSize) return (items, null);
        items.RemoveAt(items.Count - 1);
        return (items, OrderCursor.After(items[^1]));
    }

    /// <summary>The requester's open requests, counted up to <paramref name="limit"/> (no more rows are read).</summary>
    public async Task<int> CountOpenRequestsAsync(string requester, int limit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var r = requester.ToLowerInvariant();
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        return await db.Orders.AsNoTracking()
            .Where(o => o.Kind == OrderKind.Request && o.Requester == r && o.Status == OrderStatus.Open && (o.Expiry == 0 || o.Expiry >= now))
            .OrderBy(o => o.Hash).Take(limit).CountAsync(ct);
    }

    /// <summary>The status the caller should see: an open order past its expiry is expired even before the sweep marks it.</summary>
    public OrderStatus EffectiveStatus(StoredOrder order) =>
        order.Status == OrderStatus.Open && order.Expiry != 0 && order.Expiry < time.GetUtcNow().ToUnixTimeSeconds()
            ? OrderStatus.Expired
            : order.Status;

    private IQueryable<StoredOrder> Filter(IQueryable<StoredOrder> orders, OrderKind kind, OrderQuery q)
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        orders = q.Status switch
        {
            null => orders,
            OrderStatus.Open => orders.Where(o => o.Status == OrderStatus.Open && (o.Expiry == 0 || o.Expiry >= now)),
            OrderStatus.Expired => orders.Where(o => o.Status == OrderStatus.Expired || (o.Status == OrderStatus.Open && o.Expiry != 0 && o.Expiry < now)),
            var s => orders.Where(o => o.Status == s),
        };

        if (q.App is { } app)
        {
            var id = OrderIndex.Id(app);
            orders = kind is OrderKind.App or OrderKind.Request ? orders.Where(o => o.App == id) : orders.Where(o => o.App == id || o.App == "0");
        }
        if (q.Dataset is { } dataset)
        {
            // A request's dataset 0 means "no dataset", not "any": it cannot go with dataset 5.
            var id = OrderIndex.Id(dataset);
            orders = kind is OrderKind.Dataset or OrderKind.Request ? orders.Where(o => o.Dataset == id) : orders.Where(o => o.Dataset == id || o.Dataset == "0");
        }
        if (q.Workerpool is { } pool)
        {
            var id = OrderIndex.Id(pool);
            orders = kind is OrderKind.Workerpool ? orders.Where(o => o.Workerpool == id) : orders.Where(o => o.Workerpool == id || o.Workerpool == "0");
        }
        if (q.Requester is { } requester)
        {
            var r = requester.ToLowerInvariant();
            orders = kind is OrderKind.Request ? orders.Where(o => o.Requester == r) : orders.Where(o => o.Requester == r || o.Requester == ZeroAddress);
        }
        if (q.Category is { } category)
            orders = orders.Where(o => o.Category == category);
        if (q.MaxPrice is { } maxPrice)
        {
            var key = UintKey.Of(maxPrice);
            orders = orders.Where(o => string.Compare(o.PriceKey, key) <= 0);
        }
        if (q.MinVolume is { } minVolume)
        {
            var key = UintKey.Of(minVolume);
            orders = orders.Where(o => string.Compare(o.RemainingKey, key) >= 0);
        }
        if (q.Tag is { } tag)
        {
            var t = TagWords.Of(tag);
            orders = kind is OrderKind.Workerpool
                ? orders.Where(o => (o.Tag0 & t.W0) == t.W0 && (o.Tag1 & t.W1) == t.W1 && (o.Tag2 & t.W2) == t.W2 && (o.Tag3 & t.W3) == t.W3)
                : orders.Where(o => (o.Tag0 & ~t.W0) == 0 && (o.Tag1 & ~t.W1) == 0 && (o.Tag2 & ~t.W2) == 0 && (o.Tag3 & ~t.W3) == 0);
        }
        return orders;
    }
}
