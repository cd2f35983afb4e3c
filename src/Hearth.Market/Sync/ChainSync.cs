using System.Numerics;
using Hearth.Chain.Market;
using Hearth.Market.Book;
using Hearth.Market.Verification;
using Hearth.Protocol;
using Hearth.Protocol.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hearth.Market.Sync;

/// <summary>Keeps the book in step with the chain: reads DealCreated and OrderCancelled logs from a persisted block
/// cursor, refreshes the remaining volume of the orders a deal may have used, marks cancellations, and expires
/// orders by time. Remaining volumes are always read back from the contract rather than computed from the logs,
/// so a missed or repeated log cannot leave a wrong number behind.</summary>
public sealed class ChainSync(
    IDbContextFactory<MarketDbContext> contexts,
    MarketChain chain,
    TimeProvider time,
    IOptions<MarketOptions> options,
    ILogger<ChainSync> logger) : BackgroundService
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly MarketOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SyncOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A node hiccup or a locked database must not stop the sync for good: the cursor only moves on success.
                MarketLog.SyncFailed(logger, e);
            }
            try
            {
                await Task.Delay(_options.PollInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One pass: every confirmed block since the cursor, then the expiry sweep. Safe to call alongside the loop.</summary>
    public async Task SyncOnceAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var head = await chain.BlockNumberAsync(ct) - _options.Confirmations;
            var next = await CursorAsync(ct);
            while (next <= head)
            {
                var to = Math.Min(head, next + _options.MaxBlockRange - 1);
                var (deals, cancels) = await chain.LogsAsync(next, to, ct);
                MarketLog.BlocksRead(logger, next, to, deals.Count, cancels.Count);
                await ApplyAsync(deals, cancels, to + 1, ct);
                next = to + 1;
            }
            await ExpireAsync(ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<long> CursorAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var cursor = await db.Cursors.AsNoTracking().FirstOrDefaultAsync(c => c.Id == 1, ct);
        return cursor?.NextBlock ?? chain.Deployment.Block;
    }

    private async Task ApplyAsync(IReadOnlyList<DealCreatedEvent> deals, IReadOnlyList<OrderCancelledEvent> cancels, long nextBlock, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();

        foreach (var cancel in cancels)
        {
            var hash = new Hash32(cancel.OrderHash).ToString();
            var order = await db.Orders.FirstOrDefaultAsync(o => o.Hash == hash, ct);
            if (order is null || order.Status == OrderStatus.Cancelled) continue;
            (order.Status, order.RemainingKey, order.UpdatedAtMs) = (OrderStatus.Cancelled, UintKey.Of(0), nowMs);
            MarketLog.OrderCancelled(logger, hash);
        }

        var refresh = new HashSet<(OrderKind, string)>();
        foreach (var deal in deals)
        {
            // Only a request's first deal has its hash as id, so the request is found by its requester, as the other
            // orders are by their asset: a deal may have taken part of it, and what is left stays matchable.
            refresh.Add((OrderKind.Request, OrderIndex.Lower(deal.Deal.Requester)));
            refresh.Add((OrderKind.App, OrderIndex.Id(deal.Deal.App)));
            if (!deal.Deal.Dataset.IsZero) refresh.Add((OrderKind.Dataset, OrderIndex.Id(deal.Deal.Dataset)));
            refresh.Add((OrderKind.Workerpool, OrderIndex.Id(deal.Deal.Workerpool)));
        }
        foreach (var (kind, asset) in refresh)
            await RefreshAsync(db, kind, asset, nowMs, ct);

        var cursor = await db.Cursors.FirstOrDefaultAsync(c => c.Id == 1, ct);
        if (cursor is null) db.Cursors.Add(new ChainCursor { Id = 1, NextBlock = nextBlock });
        else cursor.NextBlock = nextBlock;
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Reads back the remaining volume of every open order of one asset (for requests, <paramref name="asset"/> is
    /// the requester's address in lower case): any of them may have gone into the deal.</summary>
    private async Task RefreshAsync(MarketDbContext db, OrderKind kind, string asset, long nowMs, CancellationToken ct)
    {
        var orders = kind switch
        {
            OrderKind.App => db.Orders.Where(o => o.Kind == kind && o.App == asset),
            OrderKind.Dataset => db.Orders.Where(o => o.Kind == kind && o.Dataset == asset),
            OrderKind.Workerpool => db.Orders.Where(o => o.Kind == kind && o.Workerpool == asset),
            _ => db.Orders.Where(o => o.Kind == kind && o.Requester == asset),
        };
        foreach (var order in await orders.Where(o => o.Status == OrderStatus.Open).ToListAsync(ct))
        {
            var volume = BigInteger.Parse(order.Volume, System.Globalization.CultureInfo.InvariantCulture);
            var remaining = await chain.RemainingAsync(kind, Hash32.Parse(order.Hash), volume, ct);
            var key = UintKey.Of(remaining);
            if (key == order.RemainingKey) continue;
            order.RemainingKey = key;
            order.UpdatedAtMs = nowMs;
            if (remaining.IsZero) order.Status = OrderStatus.Consumed;
            MarketLog.OrderRefreshed(logger, order.Hash, remaining.ToString(), order.Status);
        }
    }

    private async Task ExpireAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var seconds = now.ToUnixTimeSeconds();
        var ms = now.ToUnixTimeMilliseconds();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var count = await db.Orders
            .Where(o => o.Status == OrderStatus.Open && o.Expiry != 0 && o.Expiry < seconds)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.Status, OrderStatus.Expired).SetProperty(o => o.UpdatedAtMs, ms), ct);
        if (count > 0) MarketLog.OrdersExpired(logger, count);
    }

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }
}
