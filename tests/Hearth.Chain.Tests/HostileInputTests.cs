using System.Numerics;
using Hearth.Chain.Market;
using Hearth.Chain.Transactions;
using Hearth.Protocol;
using Hearth.Protocol.Orders;

namespace Hearth.Chain.Tests;

/// <summary>Wrong, malformed, replayed and unfunded inputs revert with named errors that the client explains,
/// and cost nobody anything.</summary>
public sealed class HostileInputTests(MarketFixture f) : IClassFixture<MarketFixture>
{
    private async Task<ContractRevertException> RefusedAsync(SignedOrders orders, HearthClientRole sender = HearthClientRole.Requester)
    {
        var client = sender == HearthClientRole.Requester ? f.Requester : f.Unfunded;
        var before = await f.Requester.GetAccountAsync(f.Requester.Address);
        var e = await Assert.ThrowsAsync<ContractRevertException>(() => client.MatchOrdersAsync(orders));
        Assert.Equal(before, await f.Requester.GetAccountAsync(f.Requester.Address));
        return e;
    }

    public enum HearthClientRole { Requester, Unfunded }

    [Fact]
    public async Task An_order_signed_by_someone_else_is_refused()
    {
        var signed = f.Sign(f.Orders());
        signed = signed with { AppSignature = Signatures.Sign(signed.App, f.Domain, f.Key(7)) };
        var e = await RefusedAsync(signed);
        Assert.Equal("BadSignature", e.ErrorName);
        Assert.Contains("app order's signature", e.Message);
    }

    [Fact]
    public async Task A_malleable_high_s_signature_is_refused()
    {
        var signed = f.Sign(f.Orders());
        var n = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", System.Globalization.NumberStyles.HexNumber);
        var sig = signed.WorkerpoolSignature.ToArray();
        var s = new BigInteger(sig.AsSpan(32, 32), isUnsigned: true, isBigEndian: true);
        (n - s).ToByteArray(isUnsigned: true, isBigEndian: true).CopyTo(sig.AsSpan(32 + 32 - (n - s).GetByteCount(isUnsigned: true)));
        sig[64] = (byte)(sig[64] == 27 ? 28 : 27);
        var e = await RefusedAsync(signed with { WorkerpoolSignature = sig });
        Assert.Equal("BadSignature", e.ErrorName);
    }

    [Fact]
    public async Task A_tampered_order_is_refused()
    {
        var signed = f.Sign(f.Orders());
        signed.Workerpool.WorkerpoolPrice -= 1;
        Assert.Equal("BadSignature", (await RefusedAsync(signed)).ErrorName);
    }

    [Fact]
    public async Task Orders_signed_for_another_chain_are_refused()
    {
        var signed = f.Sign(f.Orders(), f.Domain with { ChainId = 1 });
        Assert.Equal("BadSignature", (await RefusedAsync(signed)).ErrorName);
    }

    [Fact]
    public async Task An_expired_order_is_refused()
    {
        var orders = f.Orders();
        orders.Pool.Expiry = 1_000;
        var e = await RefusedAsync(f.Sign(orders));
        Assert.Equal("OrderExpired", e.ErrorName);
        Assert.Contains("workerpool order expired", e.Message);
    }

    [Fact]
    public async Task An_order_is_not_consumed_beyond_its_volume_and_a_request_not_replayed()
    {
        var first = f.Orders(volume: 1);
        var match = await f.Requester.MatchOrdersAsync(f.Sign(first));
        Assert.Equal(1u, match.Deal.Volume);

        var replay = await RefusedAsync(f.Sign(first));
        Assert.Equal("OrderConsumed", replay.ErrorName);

        var second = f.Orders(volume: 1) with { App = first.App };
        var overVolume = await RefusedAsync(f.Sign(second));
        Assert.Equal("OrderConsumed", overVolume.ErrorName);
        Assert.Contains("app order has no volume left", overVolume.Message);
    }

    [Fact]
    public async Task A_deal_takes_the_smallest_remaining_volume()
    {
        var orders = f.Orders(volume: 10);
        orders.Pool.Volume = 4;
        var match = await f.Requester.MatchOrdersAsync(f.Sign(orders));
        Assert.Equal(4u, match.Deal.Volume);
        Assert.Equal(6, await f.Requester.RemainingAsync(f.Domain.Digest(orders.App.StructHash()), orders.App.Volume));
    }

    [Fact]
    public async Task An_unfunded_requester_gets_a_clear_funding_error()
    {
        var orders = f.Orders();
        orders.Request.Requester = f.Unfunded.Address;
        var signed = f.Sign(orders) with { RequestSignature = Signatures.Sign(orders.Request, f.Domain, f.Key(9)) };
        var e = await RefusedAsync(signed, HearthClientRole.Unfunded);
        Assert.Equal("InsufficientBalance", e.ErrorName);
        Assert.Contains("deposit more", e.Message);
    }

    [Fact]
    public async Task Restrictions_keep_other_parties_out()
    {
        var byRequester = f.Orders();
        byRequester.App.RequesterRestrict = f.Unfunded.Address;
        var e = await RefusedAsync(f.Sign(byRequester));
        Assert.Equal("Restricted", e.ErrorName);
        Assert.Contains("app order is restricted to another requester", e.Message);

        var byApp = f.Orders();
        byApp.Dataset.AppRestrict = f.App + 1000;
        Assert.Equal("Restricted", (await RefusedAsync(f.Sign(byApp))).ErrorName);

        var byDataset = f.Orders();
        byDataset.Pool.DatasetRestrict = f.Dataset + 1000;
        Assert.Equal("Restricted", (await RefusedAsync(f.Sign(byDataset))).ErrorName);
    }

    [Fact]
    public async Task Prices_trust_category_and_tags_must_fit()
    {
        var price = f.Orders();
        price.Request.WorkerpoolMaxPrice -= 1;
        Assert.Equal("PriceTooHigh", (await RefusedAsync(f.Sign(price))).ErrorName);

        var trust = f.Orders(trust: 101);
        Assert.Equal("TrustTooHigh", (await RefusedAsync(f.Sign(trust))).ErrorName);

        var category = f.Orders();
        category.Request.Category = 99;
        category.Pool.Category = 99;
        Assert.Equal("UnknownCategory", (await RefusedAsync(f.Sign(category))).ErrorName);

        var tag = f.Orders();
        tag.Request.Tag[31] = 0x04;
        Assert.Equal("TagNotOffered", (await RefusedAsync(f.Sign(tag))).ErrorName);
    }

    [Fact]
    public async Task An_unregistered_asset_is_named()
    {
        var orders = f.Orders();
        orders.App.App = 424242;
        orders.Request.App = 424242;
        var e = await RefusedAsync(f.Sign(orders));
        Assert.Equal("ERC721NonexistentToken", e.ErrorName);
    }

    [Fact]
    public async Task Only_the_deals_scheduler_settles_and_only_real_deals()
    {
        var match = await f.Requester.MatchOrdersAsync(f.Sign(f.Orders()));
        var contribution = f.Contribute(match.DealId, 0, Hash32.Sha256("r"u8), 0);
        var e = await Assert.ThrowsAsync<ContractRevertException>(() => f.PoolOwner.SettleAsync(match.Deal, match.DealId, [contribution], "loc"));
        Assert.Equal("NotScheduler", e.ErrorName);

        match.Deal.PoolPrice += 1; // forged terms
        var forged = await Assert.ThrowsAsync<ContractRevertException>(() => f.Scheduler.SettleAsync(match.Deal, match.DealId, [contribution], "loc"));
        Assert.Equal("UnknownDeal", forged.ErrorName);
    }

    [Fact]
    public async Task A_contribution_with_a_tampered_digest_does_not_pay_an_unstaked_signer()
    {
        var match = await f.Requester.MatchOrdersAsync(f.Sign(f.Orders()));
        var contribution = f.Contribute(match.DealId, 0, Hash32.Sha256("r"u8), 0);
        contribution.Digest = Hash32.Sha256("other"u8).ToArray();
        var e = await Assert.ThrowsAsync<ContractRevertException>(() => f.Scheduler.SettleAsync(match.Deal, match.DealId, [contribution], "loc"));
        Assert.Equal("InsufficientStake", e.ErrorName);
    }

    [Fact]
    public async Task Cancelled_and_presigned_orders()
    {
        var cancelled = f.Orders();
        await f.AppOwner.CancelAsync(cancelled.App);
        Assert.Equal("OrderConsumed", (await RefusedAsync(f.Sign(cancelled))).ErrorName);

        var presigned = f.Orders();
        await f.PoolOwner.PresignAsync(presigned.Pool);
        var match = await f.Requester.MatchOrdersAsync(f.Sign(presigned) with { WorkerpoolSignature = [] });
        Assert.Equal(1u, match.Deal.Volume);

        var notOwner = await Assert.ThrowsAsync<ContractRevertException>(() => f.Requester.CancelAsync(f.Orders().App));
        Assert.Equal("NotOrderOwner", notOwner.ErrorName);
    }

    [Fact]
    public async Task A_pre_signature_does_not_bind_the_next_owner_of_the_asset()
    {
        var app = (await f.AppOwner.RegisterAppAsync(Hash32.Sha256("sold"u8), "loc", "sold")).Id;
        var orders = f.Orders();
        orders.App.App = app;
        orders.Request.App = app;
        await f.AppOwner.PresignAsync(orders.App);
        await f.AppOwner.TransferAssetAsync(OrderKind.App, app, f.Unfunded.Address);
        var e = await RefusedAsync(f.Sign(orders) with { AppSignature = [] });
        Assert.Equal("BadSignature", e.ErrorName);
    }
}
