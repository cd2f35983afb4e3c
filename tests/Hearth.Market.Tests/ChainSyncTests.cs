using Hearth.Chain.Market;
using Hearth.Market.Book;
using Hearth.Market.Client;
using Hearth.Market.Http;
using Hearth.Protocol;
using Hearth.Protocol.Orders;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Market.Tests;

/// <summary>The book follows the chain: cancellations, deals and the clock change what it lists.</summary>
[Collection(MarketCollection.Name)]
public sealed class ChainSyncTests(MarketFixture f)
{
    [Fact]
    public async Task An_order_cancelled_on_chain_is_marked_cancelled()
    {
        var order = f.AppOrder();
        var published = await f.PublishAsync(order);
        await f.AppOwner.CancelAsync(order);
        await f.Server.SyncAsync();

        var got = await f.Client.GetAsync(OrderKind.App, published.OrderHash);
        Assert.Equal(OrderStatus.Cancelled, got!.Status);
        Assert.Equal(0, got.Remaining);
        var open = await f.Client.QueryAsync(OrderKind.App, new OrderQuery { App = f.App, PageSize = 200 });
        Assert.DoesNotContain(open.Items, o => o.OrderHash == published.OrderHash);
    }

    [Fact]
    public async Task An_order_cancelled_before_it_is_published_is_refused()
    {
        var order = f.PoolOrder();
        await f.PoolOwner.CancelAsync(order);
        var e = await Assert.ThrowsAsync<MarketRequestException>(() => f.PublishAsync(order));
        Assert.Equal("consumed", e.Code);
    }

    [Fact]
    public async Task Matching_orders_from_the_book_lowers_their_remaining_volume_until_they_are_consumed()
    {
        var app = await f.NewAppAsync();
        var appHash = (await f.PublishAsync(f.AppOrder(app, volume: 3))).OrderHash;
        var poolHash = (await f.PublishAsync(f.PoolOrder(volume: 3))).OrderHash;
        var requestHash = (await f.PublishAsync(f.RequestOrder(app, volume: 2))).OrderHash;

        await MatchFromBookAsync(appHash, poolHash, requestHash);
        await f.Server.SyncAsync();

        Assert.Equal(1, (await f.Client.GetAsync(OrderKind.App, appHash))!.Remaining);
        Assert.Equal(1, (await f.Client.GetAsync(OrderKind.Workerpool, poolHash))!.Remaining);
        var request = await f.Client.GetAsync(OrderKind.Request, requestHash);
        Assert.Equal(OrderStatus.Consumed, request!.Status);

        var second = (await f.PublishAsync(f.RequestOrder(app, volume: 5))).OrderHash;
        await MatchFromBookAsync(appHash, poolHash, second);
        await f.Server.SyncAsync();

        var appOrder = await f.Client.GetAsync(OrderKind.App, appHash);
        Assert.Equal(OrderStatus.Consumed, appOrder!.Status);
        Assert.Equal(0, appOrder.Remaining);
        Assert.Equal(OrderStatus.Consumed, (await f.Client.GetAsync(OrderKind.Workerpool, poolHash))!.Status);
    }

    [Fact]
    public async Task A_request_already_matched_is_refused()
    {
        var app = await f.NewAppAsync();
        var appOrder = f.AppOrder(app);
        var poolOrder = f.PoolOrder();
        var request = f.RequestOrder(app);
        await f.Requester.MatchOrdersAsync(new SignedOrders(
            appOrder, f.SignAsOwner(appOrder), DatasetOrder.None, [], poolOrder, f.SignAsOwner(poolOrder), request, []));

        var e = await Assert.ThrowsAsync<MarketRequestException>(() => f.PublishAsync(request));
        Assert.Equal("consumed", e.Code);
    }

    [Fact]
    public async Task The_background_loop_notices_a_cancellation_by_itself()
    {
        await using var server = await f.StartServerAsync(f.NewDatabasePath(), tweak: o => o.PollInterval = TimeSpan.FromMilliseconds(50));
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        var client = new MarketClient(http);
        var order = f.DatasetOrder();
        var published = await client.PublishAsync(order, f.SignAsOwner(order));
        await f.DatasetOwner.CancelAsync(order);

        // The one wait in these tests: the loop runs on its own clock; this only bounds how long a failure takes.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        MarketOrder? got;
        do
        {
            got = await client.GetAsync(OrderKind.Dataset, published.OrderHash);
            if (got!.Status == OrderStatus.Cancelled) break;
            await Task.Delay(50);
        } while (DateTime.UtcNow < deadline);
        Assert.Equal(OrderStatus.Cancelled, got.Status);
    }

    [Fact]
    public async Task A_restarted_book_resumes_from_its_cursor_and_sees_what_happened_meanwhile()
    {
        var path = f.NewDatabasePath();
        var order = f.AppOrder();
        string hash;
        await using (var server = await f.StartServerAsync(path))
        {
            using var http = new HttpClient { BaseAddress = server.BaseUrl };
            hash = (await new MarketClient(http).PublishAsync(order, f.SignAsOwner(order))).OrderHash;
            await server.SyncAsync();
        }
        await f.AppOwner.CancelAsync(order);
        await using (var server = await f.StartServerAsync(path))
        {
            await server.SyncAsync();
            using var http = new HttpClient { BaseAddress = server.BaseUrl };
            Assert.Equal(OrderStatus.Cancelled, (await new MarketClient(http).GetAsync(OrderKind.App, hash))!.Status);
        }
    }

    [Fact]
    public async Task An_order_expires_when_its_time_passes()
    {
        var time = new ManualTime(DateTimeOffset.UtcNow);
        await using var server = await f.StartServerAsync(f.NewDatabasePath(), time);
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        var client = new MarketClient(http);
        var app = await f.NewAppAsync();
        var order = f.AppOrder(app, expiry: time.Now.AddMinutes(1).ToUnixTimeSeconds());
        var published = await client.PublishAsync(order, f.SignAsOwner(order));
        Assert.Equal(OrderStatus.Open, published.Status);

        time.Now = time.Now.AddMinutes(2);
        // Queries leave it out at once; the sweep then records it.
        Assert.Empty((await client.QueryAsync(OrderKind.App, new OrderQuery { App = app })).Items);
        await server.SyncAsync();
        var expired = await client.QueryAsync(OrderKind.App, new OrderQuery { App = app, Status = OrderStatus.Expired });
        Assert.Equal(published.OrderHash, Assert.Single(expired.Items).OrderHash);
        await using var db = await server.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<MarketDbContext>>().CreateDbContextAsync();
        Assert.Equal(OrderStatus.Expired, db.Orders.Single(o => o.Hash == published.OrderHash).Status);
    }

    [Fact]
    public async Task A_request_matched_in_part_stays_matchable_through_the_book_and_its_second_deal_takes_the_rest()
    {
        var app = await f.NewAppAsync();
        var appHash = (await f.PublishAsync(f.AppOrder(app, volume: 10))).OrderHash;
        var smallPool = (await f.PublishAsync(f.PoolOrder(volume: 3))).OrderHash;
        var requestHash = (await f.PublishAsync(f.RequestOrder(app, volume: 5))).OrderHash;

        var first = await MatchFromBookAsync(appHash, smallPool, requestHash);
        Assert.Equal(3u, first.Deal.Volume);
        Assert.Equal(requestHash, first.DealId.ToString()); // a request's first deal keeps its hash as id
        await f.Server.SyncAsync();

        var request = await f.Client.GetAsync(OrderKind.Request, requestHash);
        Assert.Equal(OrderStatus.Open, request!.Status);
        Assert.Equal(2, request.Remaining);
        var listed = await f.Client.QueryAsync(OrderKind.Request, new OrderQuery { App = app, MinVolume = 2 });
        Assert.Equal(requestHash, Assert.Single(listed.Items).OrderHash);

        // The same signed request, as the book still serves it, goes into a second deal with another pool order.
        var bigPool = (await f.PublishAsync(f.PoolOrder(volume: 10))).OrderHash;
        var second = await MatchFromBookAsync(appHash, bigPool, requestHash);
        Assert.Equal(2u, second.Deal.Volume);
        Assert.Equal(Ids.DealId(Hash32.Parse(requestHash), 3), second.DealId);
        await f.Server.SyncAsync();

        request = await f.Client.GetAsync(OrderKind.Request, requestHash);
        Assert.Equal(OrderStatus.Consumed, request!.Status);
        Assert.Equal(0, request.Remaining);
        Assert.Equal(5, (await f.Client.GetAsync(OrderKind.App, appHash))!.Remaining);
        Assert.Equal(8, (await f.Client.GetAsync(OrderKind.Workerpool, bigPool))!.Remaining);
    }

    [Fact]
    public async Task A_request_matched_in_part_before_it_is_published_is_listed_with_what_is_left_and_can_be_cancelled()
    {
        var app = await f.NewAppAsync();
        var appOrder = f.AppOrder(app);
        var poolOrder = f.PoolOrder(volume: 1);
        var request = f.RequestOrder(app, volume: 4);
        await f.Requester.MatchOrdersAsync(new SignedOrders(
            appOrder, f.SignAsOwner(appOrder), DatasetOrder.None, [], poolOrder, f.SignAsOwner(poolOrder), request, []));

        var published = await f.PublishAsync(request);
        Assert.Equal(OrderStatus.Open, published.Status);
        Assert.Equal(3, published.Remaining);

        await f.Requester.CancelAsync(request);
        await f.Server.SyncAsync();
        var got = await f.Client.GetAsync(OrderKind.Request, published.OrderHash);
        Assert.Equal(OrderStatus.Cancelled, got!.Status);
        Assert.Equal(0, got.Remaining);
    }

    /// <summary>Matches orders exactly as the book serves them: proof that what it lists can be matched on chain.</summary>
    private async Task<MatchResult> MatchFromBookAsync(string appHash, string poolHash, string requestHash)
    {
        var app = (await f.Client.GetAsync(OrderKind.App, appHash))!;
        var pool = (await f.Client.GetAsync(OrderKind.Workerpool, poolHash))!;
        var request = (await f.Client.GetAsync(OrderKind.Request, requestHash))!;
        return await f.Chain.Client(MarketFixture.StrangerKey).MatchOrdersAsync(new SignedOrders(
            (AppOrder)app.Order, app.Signature, DatasetOrder.None, [],
            (WorkerpoolOrder)pool.Order, pool.Signature, (RequestOrder)request.Order, request.Signature));
    }
}
