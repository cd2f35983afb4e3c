using System.Net;
using Hearth.Chain.Market;
using Hearth.Market.Client;
using Hearth.Market.Http;
using Hearth.Protocol.Orders;
using Microsoft.Extensions.Options;

namespace Hearth.Market.Tests;

public sealed class OptionsTests
{
    [Fact]
    public void Unusable_options_are_refused_with_a_message_per_setting()
    {
        var options = new MarketOptions
        {
            RpcUrl = "localhost:8545",
            Deployment = new HearthDeployment(0, "0x1", "0x0000000000000000000000000000000000000000", "0x2", "0x3", "market", -1),
            DatabasePath = "relative/market.db",
            MaxBodyBytes = 10,
            PollInterval = TimeSpan.Zero,
            MaxPageSize = 0,
            ListenPort = 70_000,
        };
        var e = Assert.Throws<OptionsValidationException>(() => MarketOptionsValidator.ThrowIfInvalid(options));
        var all = string.Join("\n", e.Failures);
        foreach (var setting in new[] { "Market:RpcUrl", "Market:Deployment:ChainId", "Market:Deployment:Market", "Market:Deployment:Apps",
                     "Market:DatabasePath", "Market:MaxBodyBytes", "Market:PollInterval", "Market:MaxPageSize", "Market:ListenPort", "Market:Deployment:Block" })
            Assert.Contains(setting, all);
    }

    [Fact]
    public void A_missing_deployment_is_named()
    {
        var e = Assert.Throws<OptionsValidationException>(() => MarketOptionsValidator.ThrowIfInvalid(new MarketOptions { RpcUrl = "http://127.0.0.1:8545", DatabasePath = "/var/lib/hearth/market.db" }));
        Assert.Contains("Market:Deployment is missing", Assert.Single(e.Failures));
    }

    [Fact]
    public void The_book_has_no_default_database_in_a_shared_folder()
    {
        var e = Assert.Throws<OptionsValidationException>(() => MarketOptionsValidator.ThrowIfInvalid(new MarketOptions { RpcUrl = "http://127.0.0.1:8545" }));
        Assert.Contains(e.Failures, f => f.Contains("Market:DatabasePath is empty"));
    }

    [Fact]
    public async Task The_client_says_when_the_market_is_unreachable()
    {
        using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:1/") };
        var e = await Assert.ThrowsAsync<MarketUnreachableException>(() => new MarketClient(http).QueryAsync(OrderKind.App));
        Assert.StartsWith("the market at http://127.0.0.1:1/ is unreachable", e.Message);
    }
}

[Collection(MarketCollection.Name)]
public sealed class StartupTests(MarketFixture f)
{
    [Fact]
    public async Task A_market_configured_for_another_chain_does_not_start()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => f.StartServerAsync(f.NewDatabasePath(),
            tweak: o => o.Deployment = o.Deployment! with { ChainId = 5 }));
        Assert.Contains("Market:Deployment:ChainId is 5 but the chain at", e.Message);
    }

    [Fact]
    public async Task The_client_reports_the_problem_detail_of_a_refusal()
    {
        var order = f.AppOrder(app: 123_456);
        var e = await Assert.ThrowsAsync<MarketRequestException>(() => f.Client.PublishAsync(order, f.SignAsOwner(order)));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.Status);
        Assert.Equal("app 123456 is not registered", e.Message);
    }
}
