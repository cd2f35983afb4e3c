using System.Net;
using System.Text.Json.Nodes;
using Hearth.Market.Client;
using Hearth.Protocol.Orders;

namespace Hearth.Market.Tests;

/// <summary>Each way a published order can be wrong is refused with a status and a message that say why.</summary>
[Collection(MarketCollection.Name)]
public sealed class HostileInputTests(MarketFixture f)
{
    private async Task<MarketRequestException> RefusedAsync(IOrder order, byte[] signature) =>
        await Assert.ThrowsAsync<MarketRequestException>(() => f.Client.PublishAsync(order, signature));

    [Fact]
    public async Task A_signature_that_is_not_a_signature_is_refused()
    {
        var signature = Enumerable.Repeat((byte)0x11, 65).ToArray();
        signature[64] = 27;
        var e = await RefusedAsync(f.AppOrder(), signature);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.Status);
        Assert.Equal("bad-signature", e.Code);
    }

    [Fact]
    public async Task A_signature_by_someone_else_than_the_owner_is_refused()
    {
        var order = f.AppOrder();
        var e = await RefusedAsync(order, f.Sign(order, MarketFixture.StrangerKey));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.Status);
        Assert.Equal("bad-signature", e.Code);
        Assert.Contains(f.Key(MarketFixture.StrangerKey).GetPublicAddress(), e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(f.AppOwner.Address, e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_request_signed_by_another_account_than_its_requester_is_refused()
    {
        var order = f.RequestOrder();
        var e = await RefusedAsync(order, f.Sign(order, MarketFixture.AppOwnerKey));
        Assert.Equal("bad-signature", e.Code);
    }

    [Fact]
    public async Task A_field_changed_after_signing_is_refused()
    {
        var order = f.AppOrder(price: 1m);
        var signature = f.SignAsOwner(order);
        order.AppPrice /= 10;
        var e = await RefusedAsync(order, signature);
        Assert.Equal("bad-signature", e.Code);
    }

    [Fact]
    public async Task An_order_signed_for_another_chain_is_refused()
    {
        var order = f.AppOrder();
        var otherChain = new Eip712Domain(1, f.Chain.Deployment.Market);
        var e = await RefusedAsync(order, Signatures.Sign(order, otherChain, f.Key(MarketFixture.AppOwnerKey)));
        Assert.Equal("bad-signature", e.Code);
        Assert.Contains($"chainId {f.Chain.Deployment.ChainId}", e.Message);
    }

    [Fact]
    public async Task An_order_signed_for_another_market_contract_is_refused()
    {
        var order = f.AppOrder();
        var otherMarket = new Eip712Domain(f.Chain.Deployment.ChainId, f.Chain.Deployment.Apps);
        var e = await RefusedAsync(order, Signatures.Sign(order, otherMarket, f.Key(MarketFixture.AppOwnerKey)));
        Assert.Equal("bad-signature", e.Code);
    }

    [Fact]
    public async Task An_order_for_an_unregistered_asset_is_refused()
    {
        var order = f.AppOrder(app: 9_999);
        var e = await RefusedAsync(order, f.SignAsOwner(order));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.Status);
        Assert.Equal("not-registered", e.Code);
        Assert.Equal("app 9999 is not registered", e.Message);
    }

    [Fact]
    public async Task A_request_for_an_unregistered_pool_is_refused()
    {
        var order = f.RequestOrder(pool: 4_242);
        var e = await RefusedAsync(order, f.SignAsOwner(order));
        Assert.Equal("workerpool 4242 is not registered", e.Message);
    }

    [Fact]
    public async Task An_expired_order_is_refused()
    {
        var order = f.AppOrder(expiry: DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds());
        var e = await RefusedAsync(order, f.SignAsOwner(order));
        Assert.Equal("expired", e.Code);
    }

    [Fact]
    public async Task A_pool_order_of_a_category_that_does_not_exist_is_refused()
    {
        var order = f.PoolOrder(category: 77);
        var e = await RefusedAsync(order, f.SignAsOwner(order));
        Assert.Equal("unknown-category", e.Code);
    }

    [Fact]
    public async Task An_order_with_no_volume_is_refused()
    {
        var order = f.AppOrder(volume: 0);
        var e = await RefusedAsync(order, f.SignAsOwner(order));
        Assert.Equal("empty-volume", e.Code);
    }

    [Fact]
    public async Task Malformed_json_is_a_bad_request()
    {
        var response = await f.Http.PostRawAsync("app", "{ \"order\": { \"app\": 1, ");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ProblemAsync();
        Assert.Equal("body", problem.GetProperty("field").GetString());
        Assert.Contains("not valid JSON", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_missing_field_is_named()
    {
        var order = f.AppOrder();
        var body = Http.Body(order, f.SignAsOwner(order));
        body["order"]!.AsObject().Remove("volume");
        var problem = await (await f.Http.PostRawAsync("app", body.ToJsonString())).ProblemAsync();
        Assert.Equal("order.volume", problem.GetProperty("field").GetString());
        Assert.Equal("order.volume: is missing", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_field_of_the_wrong_type_is_named()
    {
        var order = f.AppOrder();
        var body = Http.Body(order, f.SignAsOwner(order));
        body["order"]!["appprice"] = "-3";
        var response = await f.Http.PostRawAsync("app", body.ToJsonString());
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("order.appprice", (await response.ProblemAsync()).GetProperty("field").GetString());
    }

    [Fact]
    public async Task An_unknown_field_is_refused_rather_than_ignored()
    {
        var order = f.AppOrder();
        var body = Http.Body(order, f.SignAsOwner(order));
        body["order"]!["price"] = "1";
        var problem = await (await f.Http.PostRawAsync("app", body.ToJsonString())).ProblemAsync();
        Assert.Equal("order.price", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task A_signature_of_the_wrong_length_is_a_bad_request()
    {
        var order = f.AppOrder();
        var e = await RefusedAsync(order, f.SignAsOwner(order)[..64]);
        Assert.Equal(HttpStatusCode.BadRequest, e.Status);
        Assert.Equal("signature", e.Field);
    }

    [Fact]
    public async Task A_malleable_high_s_signature_is_a_bad_request()
    {
        var order = f.AppOrder();
        var signature = f.SignAsOwner(order);
        // s' = n - s, v flipped: the same signer, a signature OpenZeppelin refuses.
        var n = System.Numerics.BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", System.Globalization.NumberStyles.HexNumber);
        var s = new System.Numerics.BigInteger(signature.AsSpan(32, 32), isUnsigned: true, isBigEndian: true);
        (n - s).ToByteArray(isUnsigned: true, isBigEndian: true).CopyTo(signature, 32);
        signature[64] = (byte)(signature[64] == 27 ? 28 : 27);
        var e = await RefusedAsync(order, signature);
        Assert.Equal(HttpStatusCode.BadRequest, e.Status);
        Assert.Equal("signature", e.Field);
    }

    [Fact]
    public async Task A_huge_body_is_refused_as_too_large()
    {
        var order = f.AppOrder();
        var body = Http.Body(order, f.SignAsOwner(order));
        // Four times the fixture's 16 KiB limit; small enough that the client has sent it all before the server answers
        // and closes (a megabyte races the early 413 and the client sees a reset connection instead).
        body["padding"] = new string('x', 64 * 1024);
        var response = await f.Http.PostRawAsync("app", body.ToJsonString());
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task A_huge_body_without_a_length_is_refused_as_too_large()
    {
        var content = new StreamContent(new MemoryStream(new byte[64 * 1024]));
        content.Headers.ContentType = new("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "api/orders/app") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        var response = await f.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task An_unknown_kind_is_not_found()
    {
        var response = await f.Http.PostRawAsync("boiler", "{}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task A_body_that_is_not_an_object_is_a_bad_request()
    {
        var response = await f.Http.PostRawAsync("app", "[1, 2]");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var again = await f.Http.PostRawAsync("app", new JsonObject { ["signature"] = "0x" }.ToJsonString());
        Assert.Equal("order", (await again.ProblemAsync()).GetProperty("field").GetString());
    }
}
