using System.Net;
using Hearth.Chain;
using Hearth.Market.Book;
using Hearth.Market.Client;
using Hearth.Protocol.Orders;

namespace Hearth.Market.Tests;

/// <summary>Each filter and the price order. Every test registers its own assets so the shared book's other orders
/// stay out of its answers.</summary>
[Collection(MarketCollection.Name)]
public sealed class QueryTests(MarketFixture f)
{
    private static byte[] Tag(params int[] bits)
    {
        var tag = new byte[32];
        foreach (var bit in bits) tag[31 - bit / 8] |= (byte)(1 << (bit % 8));
        return tag;
    }

    [Fact]
    public async Task Orders_come_cheapest_first_and_by_app()
    {
        var app = await f.NewAppAsync();
        foreach (var price in new[] { 0.3m, 0.1m, 0.2m })
            await f.PublishAsync(f.AppOrder(app, price));
        await f.PublishAsync(f.AppOrder(price: 0.01m)); // another app

        var page = await f.Client.QueryAsync(OrderKind.App, new OrderQuery { App = app });
        Assert.Equal(3, page.Items.Count);
        Assert.Equal([0.1m, 0.2m, 0.3m], page.Items.Select(o => (decimal)((AppOrder)o.Order).AppPrice / 1e9m));
    }

    [Fact]
    public async Task Max_price_and_paging()
    {
        var app = await f.NewAppAsync();
        foreach (var price in new[] { 0.5m, 0.1m, 0.4m, 0.2m, 0.3m })
            await f.PublishAsync(f.AppOrder(app, price));

        var cheap = await f.Client.QueryAsync(OrderKind.App, new OrderQuery { App = app, MaxPrice = Tokens.FromHrth(0.3m) });
        Assert.Equal(3, cheap.Items.Count);
        Assert.All(cheap.Items, o => Assert.True(((AppOrder)o.Order).AppPrice <= Tokens.FromHrth(0.3m)));

        var first = await f.Client.QueryAsync(OrderKind.App, new OrderQuery { App = app, PageSize = 2 });
        Assert.NotNull(first.Next);
        var second = await f.Client.QueryAsync(OrderKind.App, new OrderQuery { App = app, After = first.Next, PageSize = 2 });
        Assert.Equal(2, second.Items.Count);
        Assert.Equal([Tokens.FromHrth(0.3m), Tokens.FromHrth(0.4m)], second.Items.Select(o => ((AppOrder)o.Order).AppPrice));
    }

    [Fact]
    public async Task Dataset_orders_by_dataset_and_by_the_app_they_allow()
    {
        var dataset = await f.NewDatasetAsync();
        var app = await f.NewAppAsync();
        var anyApp = await f.PublishAsync(f.DatasetOrder(dataset));
        var thisApp = await f.PublishAsync(f.DatasetOrder(dataset, appRestrict: app));
        await f.PublishAsync(f.DatasetOrder(dataset, appRestrict: f.App));

        var all = await f.Client.QueryAsync(OrderKind.Dataset, new OrderQuery { Dataset = dataset });
        Assert.Equal(3, all.Items.Count);
        var forApp = await f.Client.QueryAsync(OrderKind.Dataset, new OrderQuery { Dataset = dataset, App = app });
        Assert.Equal(new[] { anyApp.OrderHash, thisApp.OrderHash }.Order(), forApp.Items.Select(o => o.OrderHash).Order());
    }

    [Fact]
    public async Task Pool_orders_by_pool_category_and_offered_tag()
    {
        var pool = await f.NewPoolAsync();
        var plain = await f.PublishAsync(f.PoolOrder(pool, category: 0));
        var gpu = await f.PublishAsync(f.PoolOrder(pool, category: 0, tag: Tag(0, 3)));
        var longer = await f.PublishAsync(f.PoolOrder(pool, category: 2, tag: Tag(3)));

        var byPool = await f.Client.QueryAsync(OrderKind.Workerpool, new OrderQuery { Workerpool = pool });
        Assert.Equal(3, byPool.Items.Count);
        var category2 = await f.Client.QueryAsync(OrderKind.Workerpool, new OrderQuery { Workerpool = pool, Category = 2 });
        Assert.Equal(longer.OrderHash, Assert.Single(category2.Items).OrderHash);
        var offering3 = await f.Client.QueryAsync(OrderKind.Workerpool, new OrderQuery { Workerpool = pool, Tag = Tag(3) });
        Assert.Equal(new[] { gpu.OrderHash, longer.OrderHash }.Order(), offering3.Items.Select(o => o.OrderHash).Order());
        var offering0and3 = await f.Client.QueryAsync(OrderKind.Workerpool, new OrderQuery { Workerpool = pool, Tag = Tag(0, 3) });
        Assert.Equal(gpu.OrderHash, Assert.Single(offering0and3.Items).OrderHash);
        Assert.NotEqual(plain.OrderHash, gpu.OrderHash);
    }

    [Fact]
    public async Task App_orders_by_the_tag_a_pool_offers()
    {
        var app = await f.NewAppAsync();
        var plain = await f.PublishAsync(f.AppOrder(app));
        var needsBit5 = await f.PublishAsync(f.AppOrder(app, tag: Tag(5)));
        var needsBit200 = await f.PublishAsync(f.AppOrder(app, tag: Tag(200)));

        var fitPoolWith5 = await f.Client.QueryAsync(OrderKind.App, new OrderQuery { App = app, Tag = Tag(5) });
        Assert.Equal(new[] { plain.OrderHash, needsBit5.OrderHash }.Order(), fitPoolWith5.Items.Select(o => o.OrderHash).Order());
        Assert.DoesNotContain(fitPoolWith5.Items, o => o.OrderHash == needsBit200.OrderHash);
    }

    [Fact]
    public async Task Request_orders_by_requester_pool_and_category()
    {
        var app = await f.NewAppAsync();
        var pool = await f.NewPoolAsync();
        var anyPool = await f.PublishAsync(f.RequestOrder(app, poolMax: 3m));
        var thatPool = await f.PublishAsync(f.RequestOrder(app, pool, poolMax: 2m));
        await f.PublishAsync(f.RequestOrder(app, f.Pool, poolMax: 1m));

        var forPool = await f.Client.QueryAsync(OrderKind.Request, new OrderQuery { App = app, Workerpool = pool });
        // A request's price is the sum of its maximum prices: 2.1 before 3.1.
        Assert.Equal([thatPool.OrderHash, anyPool.OrderHash], forPool.Items.Select(o => o.OrderHash));

        var byRequester = await f.Client.QueryAsync(OrderKind.Request, new OrderQuery { App = app, Requester = f.Requester.Address.ToUpperInvariant().Replace("0X", "0x") });
        Assert.Equal(3, byRequester.Items.Count);
        var byStranger = await f.Client.QueryAsync(OrderKind.Request, new OrderQuery { App = app, Requester = f.Key(MarketFixture.StrangerKey).GetPublicAddress() });
        Assert.Empty(byStranger.Items);
        var category1 = await f.Client.QueryAsync(OrderKind.Request, new OrderQuery { App = app, Category = 1 });
        Assert.Empty(category1.Items);
    }

    [Fact]
    public async Task Min_volume_counts_what_is_left()
    {
        var app = await f.NewAppAsync();
        await f.PublishAsync(f.AppOrder(app, volume: 2));
        var big = await f.PublishAsync(f.AppOrder(app, volume: 50));

        var page = await f.Client.QueryAsync(OrderKind.App, new OrderQuery { App = app, MinVolume = 10 });
        Assert.Equal(big.OrderHash, Assert.Single(page.Items).OrderHash);
    }

    [Theory]
    [InlineData("api/orders/app?app=-1", "app")]
    [InlineData("api/orders/app?category=1", "category")]
    [InlineData("api/orders/workerpool?tag=0x12", "tag")]
    [InlineData("api/orders/request?requester=bob", "requester")]
    [InlineData("api/orders/app?pageSize=100000", "pageSize")]
    [InlineData("api/orders/app?colour=red", "colour")]
    [InlineData("api/orders/app?status=gone", "status")]
    public async Task A_bad_filter_is_named(string url, string field)
    {
        var response = await f.Http.GetAsync(url);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, (await response.ProblemAsync()).GetProperty("field").GetString());
    }
}
