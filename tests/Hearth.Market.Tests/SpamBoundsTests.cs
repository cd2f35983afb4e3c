using System.Diagnostics;
using System.Net;
using Hearth.Chain;
using Hearth.Market.Book;
using Hearth.Market.Client;
using Hearth.Protocol;
using Hearth.Protocol.Orders;
using Nethereum.JsonRpc.Client;
using Nethereum.Signer;
using Nethereum.Web3;

namespace Hearth.Market.Tests;

/// <summary>What one anonymous client can make the book do: publications are rate-limited per client, a wallet's
/// ERC-1271 check runs under a gas cap, a request needs funds and a bound on open requests, and pages are read by
/// cursor (no OFFSET), so a page number of ten million costs nothing.</summary>
[Collection(MarketCollection.Name)]
public sealed class SpamBoundsTests(MarketFixture f)
{
    [Fact]
    public async Task A_client_publishing_past_its_allowance_gets_429_with_Retry_After()
    {
        await using var server = await f.StartServerAsync(f.NewDatabasePath(), tweak: o => (o.PublishBurst, o.PublishPerSecond) = (3, 1));
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        var statuses = new List<HttpResponseMessage>();
        for (var i = 0; i < 10; i++)
        {
            var order = f.AppOrder();
            statuses.Add(await http.PostRawAsync("app", Http.Body(order, f.SignAsOwner(order)).ToJsonString()));
        }
        Assert.Equal(3, statuses.Count(r => r.StatusCode == HttpStatusCode.Created));
        var limited = statuses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(7, limited.Count);
        Assert.All(limited, r => Assert.True(r.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1)));
        Assert.Equal("rate-limited", (await limited[0].ProblemAsync()).GetProperty("code").GetString());

        // The typed client reports it with the wait asked for.
        var e = await Assert.ThrowsAsync<MarketRequestException>(() => new MarketClient(http).PublishAsync(f.AppOrder(), []));
        Assert.Equal(HttpStatusCode.TooManyRequests, e.Status);
        Assert.NotNull(e.RetryAfter);

        // Queries are not publications: still answered.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/orders/app")).StatusCode);
    }

    [Fact]
    public async Task A_request_from_a_fresh_unfunded_key_is_refused_before_it_is_listed()
    {
        var fresh = EthECKey.GenerateKey();
        // Free prices: only the minimum balance stands between a fresh key and the book.
        var order = For(f.RequestOrder(appMax: 0m, poolMax: 0m), fresh.GetPublicAddress());
        var e = await Assert.ThrowsAsync<MarketRequestException>(() => f.Client.PublishAsync(order, Signatures.Sign(order, f.Domain, fresh)));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.Status);
        Assert.Equal("insufficient-funds", e.Code);
        Assert.Null(await f.Client.GetAsync(OrderKind.Request, f.Domain.Digest(order.StructHash()).ToString()));
    }

    [Fact]
    public async Task A_request_whose_requester_cannot_pay_one_task_at_its_max_prices_is_refused()
    {
        // Account 7 is not used by the rest of the collection: one token in escrow, nothing else.
        const int account = 7;
        var key = f.Key(account);
        await f.Chain.Client(account).DepositAsync(Tokens.FromHrth(1m));

        var tooDear = For(f.RequestOrder(appMax: 0.5m, poolMax: 0.6m), key.GetPublicAddress());
        var e = await Assert.ThrowsAsync<MarketRequestException>(() => f.Client.PublishAsync(tooDear, Signatures.Sign(tooDear, f.Domain, key)));
        Assert.Equal("insufficient-funds", e.Code);
        Assert.Contains(Tokens.FromHrth(1.1m).ToString(), e.Message);

        var affordable = For(f.RequestOrder(appMax: 0.4m, poolMax: 0.6m), key.GetPublicAddress());
        Assert.True((await f.Client.PublishAsync(affordable, Signatures.Sign(affordable, f.Domain, key))).Created);
    }

    [Fact]
    public async Task A_requester_cannot_list_more_open_requests_than_its_bound()
    {
        await using var server = await f.StartServerAsync(f.NewDatabasePath(), tweak: o => o.MaxOpenRequestsPerRequester = 3);
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        var client = new MarketClient(http);
        var orders = Enumerable.Range(0, 6).Select(_ => f.RequestOrder()).ToList();
        var outcomes = await Task.WhenAll(orders.Select(async o =>
        {
            try
            {
                return (await client.PublishAsync(o, f.SignAsOwner(o))).Created ? "created" : "known";
            }
            catch (MarketRequestException e)
            {
                return e.Code;
            }
        }));
        Assert.Equal(3, outcomes.Count(o => o == "created"));
        Assert.Equal(3, outcomes.Count(o => o == "too-many-orders"));
        Assert.Equal(3, (await client.QueryAsync(OrderKind.Request, new OrderQuery { Requester = f.Requester.Address })).Items.Count);
    }

    [Fact]
    public async Task A_wallet_that_burns_gas_in_isValidSignature_is_refused_under_the_gas_cap()
    {
        var rpc = new Web3(f.Chain.RpcUrl).Client;
        var greedy = await WalletAsync(rpc, loops: 0x030000); // about 5M gas before answering the magic value
        var frugal = await WalletAsync(rpc, loops: 1);
        var junk = Enumerable.Repeat((byte)0x22, 65).ToArray();
        junk[64] = 27; // well-formed, but no EOA signature of the wallet: only ERC-1271 can accept it

        var greedyOrder = f.AppOrder(await AppOwnedByAsync(greedy));
        var e = await Assert.ThrowsAsync<MarketRequestException>(() => f.Client.PublishAsync(greedyOrder, junk));
        Assert.Equal("bad-signature", e.Code);

        var frugalOrder = f.AppOrder(await AppOwnedByAsync(frugal));
        Assert.True((await f.Client.PublishAsync(frugalOrder, junk)).Created);
    }

    [Fact]
    public async Task Pages_are_read_by_cursor_and_a_page_number_of_ten_million_is_refused_at_once()
    {
        var app = await f.NewAppAsync();
        var prices = new[] { 0.7m, 0.1m, 0.5m, 0.3m, 0.3m, 0.2m, 0.6m };
        foreach (var price in prices) await f.PublishAsync(f.AppOrder(app, price));

        var seen = new List<MarketOrder>();
        OrderCursor? after = null;
        var pages = 0;
        do
        {
            var page = await f.Client.QueryAsync(OrderKind.App, new OrderQuery { App = app, PageSize = 3, After = after });
            seen.AddRange(page.Items);
            after = page.Next;
            pages++;
        }
        while (after is not null && pages < 10);
        Assert.Equal(3, pages);
        Assert.Equal(prices.Order().Select(Tokens.FromHrth), seen.Select(o => ((AppOrder)o.Order).AppPrice));
        Assert.Equal(seen.Count, seen.Select(o => o.OrderHash).Distinct().Count());

        var clock = Stopwatch.StartNew();
        using var deep = await f.Http.GetAsync("api/orders/app?page=10000000&pageSize=1");
        Assert.Equal(HttpStatusCode.BadRequest, deep.StatusCode);
        Assert.Equal("page", (await deep.ProblemAsync()).GetProperty("field").GetString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");

        using var forged = await f.Http.GetAsync("api/orders/app?after=not-a-cursor");
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal("after", (await forged.ProblemAsync()).GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.OK, (await f.Http.GetAsync("api/orders/app?page=1")).StatusCode);
    }

    private static RequestOrder For(RequestOrder order, string requester)
    {
        order.Requester = requester;
        order.Beneficiary = requester;
        return order;
    }

    /// <summary>A contract at a fresh address whose isValidSignature counts down <paramref name="loops"/> times, then
    /// answers the ERC-1271 magic value for anything.</summary>
    private static async Task<string> WalletAsync(IClient rpc, int loops)
    {
        var address = EthECKey.GenerateKey().GetPublicAddress();
        var code = "0x62" + loops.ToString("x6") + "5b600190038060045750631626ba7e60e01b60005260206000f3";
        await rpc.SendRequestAsync<object>(new RpcRequest(1, "anvil_setCode", address, code));
        return address;
    }

    private async Task<System.Numerics.BigInteger> AppOwnedByAsync(string owner)
    {
        var app = await f.NewAppAsync();
        await f.AppOwner.TransferAssetAsync(OrderKind.App, app, owner);
        return app;
    }
}
