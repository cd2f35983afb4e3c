using Hearth.Chain.Market;
using Hearth.Chain.Transactions;
using Hearth.Protocol;
using Hearth.Protocol.Orders;

namespace Hearth.Chain.Tests;

/// <summary>A request order keeps a volume like the other orders: a deal may take part of it, and the rest stays matchable.</summary>
public sealed class PartialRequestTests(MarketFixture f) : IClassFixture<MarketFixture>
{
    /// <summary>The request with fresh app and pool orders, the pool's of <paramref name="poolVolume"/> tasks: only the request limits.</summary>
    private SignedOrders WithPool(OrderSet orders, int poolVolume)
    {
        var app = new AppOrder { App = f.App, AppPrice = MarketFixture.AppPrice, Volume = 100, Salt = Salt.New() };
        var pool = new WorkerpoolOrder { Workerpool = f.Pool, WorkerpoolPrice = MarketFixture.PoolPrice, Volume = poolVolume, Trust = 100, Salt = Salt.New() };
        return f.Sign(orders with { App = app, Pool = pool });
    }

    [Fact]
    public async Task A_request_goes_into_several_deals_and_each_later_deal_has_its_own_id()
    {
        var orders = f.Orders(volume: 10, withDataset: false);
        var requestHash = f.Domain.Digest(orders.Request.StructHash());
        Assert.Equal(10, await f.Requester.RemainingRequestAsync(requestHash, 10));

        var first = await f.Requester.MatchOrdersAsync(WithPool(orders, 4));
        Assert.Equal(4u, first.Deal.Volume);
        Assert.Equal(requestHash, first.DealId); // the first deal keeps the request's hash as id
        Assert.Equal(6, await f.Requester.RemainingRequestAsync(requestHash, 10));

        var second = await f.Requester.MatchOrdersAsync(WithPool(orders, 10));
        Assert.Equal(6u, second.Deal.Volume);
        Assert.Equal(Ids.DealId(requestHash, 4), second.DealId);
        Assert.NotEqual(first.DealId, second.DealId);
        Assert.Equal(0, await f.Requester.RemainingRequestAsync(requestHash, 10));
        Assert.Equal(second.DealId, new Hash32((await f.Requester.FindDealAsync(second.DealId))!.DealId));

        // The later deal is a deal like any: its tasks settle under its own id.
        await f.Scheduler.SettleAsync(second.Deal, second.DealId, [f.Contribute(second.DealId, 5, Hash32.Sha256("r"u8), 0)], "loc");
        Assert.True(await f.Requester.IsTaskDoneAsync(second.DealId, 5));
        Assert.False(await f.Requester.IsTaskDoneAsync(first.DealId, 3));

        var used = await Assert.ThrowsAsync<ContractRevertException>(() => f.Requester.MatchOrdersAsync(WithPool(orders, 10)));
        Assert.Equal("OrderConsumed", used.ErrorName);
        Assert.Equal("requester", used.Arguments["party"]);
    }

    [Fact]
    public async Task A_request_taken_whole_by_its_first_deal_is_used_up()
    {
        var orders = f.Orders(volume: 3, withDataset: false);
        var requestHash = f.Domain.Digest(orders.Request.StructHash());
        var match = await f.Requester.MatchOrdersAsync(WithPool(orders, 3));
        Assert.Equal(requestHash, match.DealId);
        Assert.Equal(0, await f.Requester.RemainingRequestAsync(requestHash, 3));
    }

    [Fact]
    public async Task What_is_left_of_a_request_can_be_cancelled_before_or_after_a_partial_match()
    {
        var before = f.Orders(volume: 5, withDataset: false);
        await f.Requester.CancelAsync(before.Request);
        Assert.Equal(0, await f.Requester.RemainingRequestAsync(f.Domain.Digest(before.Request.StructHash()), 5));
        Assert.Equal("OrderConsumed", (await Assert.ThrowsAsync<ContractRevertException>(() => f.Requester.MatchOrdersAsync(WithPool(before, 5)))).ErrorName);

        var after = f.Orders(volume: 5, withDataset: false);
        var requestHash = f.Domain.Digest(after.Request.StructHash());
        await f.Requester.MatchOrdersAsync(WithPool(after, 2));
        Assert.Equal(3, await f.Requester.RemainingRequestAsync(requestHash, 5));
        await f.Requester.CancelAsync(after.Request);
        Assert.Equal(0, await f.Requester.RemainingRequestAsync(requestHash, 5));
        Assert.Equal("OrderConsumed", (await Assert.ThrowsAsync<ContractRevertException>(() => f.Requester.MatchOrdersAsync(WithPool(after, 5)))).ErrorName);
    }
}
