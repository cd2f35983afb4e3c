using Hearth.Protocol;
using Hearth.Protocol.Deals;
using Hearth.Protocol.Orders;

namespace Hearth.Chain.Tests;

/// <summary>The C# EIP-712 hashing and ids are the contract's, byte for byte.</summary>
public sealed class OnChainHashTests(MarketFixture f) : IClassFixture<MarketFixture>
{
    [Fact]
    public async Task Every_order_kind_hashes_as_the_contract_does()
    {
        var o = f.Orders(volume: 5, trust: 3);
        o.App.Tag[31] = 1;
        o.App.RequesterRestrict = f.Requester.Address;
        o.Request.Params = "--samples 1000 \"quoted\" ünïcode";
        o.Request.Callback = f.Scheduler.Address;
        o.Pool.Expiry = 1_999_999_999;
        foreach (IOrder order in new IOrder[] { o.App, o.Dataset, o.Pool, o.Request })
            Assert.Equal(await f.Requester.HashOnChainAsync(order), f.Domain.Digest(order.StructHash()));
    }

    [Fact]
    public async Task Task_ids_and_contribution_digests_match_the_contract()
    {
        var deal = Hash32.Sha256("deal"u8);
        var digest = Hash32.Sha256("result"u8);
        foreach (var index in new long[] { 0, 63, 64, 1000 })
        {
            var taskId = Ids.TaskId(deal, index);
            Assert.Equal(await f.Requester.TaskIdOnChainAsync(deal, index), taskId);
            Assert.Equal(await f.Requester.HashContributionOnChainAsync(taskId, digest), f.Domain.Digest(ContributionSigning.StructHash(taskId, digest)));
        }
    }

    [Fact]
    public async Task Result_chain_heads_hash_as_the_contract_does()
    {
        var deal = Hash32.Sha256("deal"u8);
        var head = ResultChain.Next(ResultChain.Next(default, 0, Hash32.Sha256("a"u8)), 1000, Hash32.Sha256("b"u8));
        Assert.Equal(await f.Requester.HashResultChainOnChainAsync(deal, head), f.Domain.Digest(ResultChain.StructHash(deal, head)));
    }
}
