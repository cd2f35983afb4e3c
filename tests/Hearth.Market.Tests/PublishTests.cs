using System.Net;
using Hearth.Market.Book;
using Hearth.Protocol.Orders;

namespace Hearth.Market.Tests;

[Collection(MarketCollection.Name)]
public sealed class PublishTests(MarketFixture f)
{
    [Fact]
    public async Task A_signed_app_order_is_listed_with_its_remaining_volume()
    {
        var order = f.AppOrder(volume: 7);
        var published = await f.PublishAsync(order);

        Assert.True(published.Created);
        Assert.Equal(7, published.Remaining);
        Assert.Equal(OrderStatus.Open, published.Status);
        Assert.Equal((await f.AppOwner.HashOnChainAsync(order)).ToString(), published.OrderHash);

        var got = await f.Client.GetAsync(OrderKind.App, published.OrderHash);
        Assert.NotNull(got);
        Assert.Equal(order.StructHash(), got.Order.StructHash());
        Assert.Equal(f.AppOwner.Address, got.Signer, ignoreCase: true);
        Assert.Equal(OrderStatus.Open, got.Status);
    }

    [Fact]
    public async Task Each_kind_of_order_is_accepted_from_its_signer()
    {
        foreach (IOrder order in new IOrder[] { f.DatasetOrder(), f.PoolOrder(), f.RequestOrder(pool: f.Pool) })
        {
            var published = await f.PublishAsync(order);
            Assert.True(published.Created);
            Assert.Equal((await f.AppOwner.HashOnChainAsync(order)).ToString(), published.OrderHash);
        }
    }

    [Fact]
    public async Task Publishing_the_same_order_twice_is_idempotent()
    {
        var order = f.AppOrder();
        var first = await f.PublishAsync(order);
        var again = await f.PublishAsync(order);

        Assert.True(first.Created);
        Assert.False(again.Created);
        Assert.Equal(first.OrderHash, again.OrderHash);
        Assert.Equal(first.Remaining, again.Remaining);
    }

    [Fact]
    public async Task An_order_pre_signed_on_chain_is_accepted_with_an_empty_signature()
    {
        var order = f.AppOrder();
        await f.AppOwner.PresignAsync(order);
        var published = await f.Client.PublishAsync(order, []);
        Assert.True(published.Created);
    }

    [Fact]
    public async Task A_recovery_byte_of_0_or_1_is_turned_into_27_or_28()
    {
        var order = f.AppOrder();
        var signature = f.SignAsOwner(order);
        signature[64] -= 27;
        var published = await f.Client.PublishAsync(order, signature);
        var got = await f.Client.GetAsync(OrderKind.App, published.OrderHash);
        Assert.True(got!.Signature[64] is 27 or 28);
    }

    [Fact]
    public async Task The_openapi_description_is_served()
    {
        var text = await f.Http.GetStringAsync("openapi/v1.json");
        Assert.Contains("/api/orders/{kind}", text);
        Assert.Contains("/api/orders/{kind}/{hash}", text);
    }

    [Fact]
    public async Task An_unknown_order_is_not_found()
    {
        Assert.Null(await f.Client.GetAsync(OrderKind.App, "0x" + new string('a', 64)));
        var response = await f.Http.GetAsync("api/orders/app/0x1234");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
