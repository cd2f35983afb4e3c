using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Hearth.Market.Json;
using Hearth.Protocol;
using Hearth.Protocol.Orders;
using Nethereum.Signer;
using Nethereum.Signer.EIP712;

namespace Hearth.Market.Tests;

/// <summary>Orders signed the way a standard wallet signs them, from the typed data documented in docs/orders.md:
/// if the documented schema drifted from the contract's, these signatures would not recover to the owner.</summary>
[Collection(MarketCollection.Name)]
public sealed partial class WalletSchemaTests(MarketFixture f)
{
    private static readonly string Doc = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "orders.md"));

    private static JsonObject DocumentedBlock(string marker)
    {
        var at = Doc.IndexOf($"<!-- {marker}", StringComparison.Ordinal);
        Assert.True(at >= 0, $"docs/orders.md has no '{marker}' block");
        var match = JsonBlock().Match(Doc, at);
        return JsonNode.Parse(match.Groups[1].Value)!.AsObject();
    }

    private string TypedData(IOrder order, Eip712Domain domain)
    {
        var types = DocumentedBlock("typed-data-types");
        var primary = OrderJson.TypeName(order.Kind);
        return new JsonObject
        {
            ["types"] = new JsonObject { ["EIP712Domain"] = types["EIP712Domain"]!.DeepClone(), [primary] = types[primary]!.DeepClone() },
            ["primaryType"] = primary,
            ["domain"] = new JsonObject
            {
                ["name"] = "Hearth", ["version"] = "1", ["chainId"] = (long)domain.ChainId, ["verifyingContract"] = domain.VerifyingContract,
            },
            ["message"] = OrderJson.ToMessage(order),
        }.ToJsonString();
    }

    [Fact]
    public async Task Every_kind_of_order_signed_by_a_standard_wallet_from_the_documented_schema_is_accepted()
    {
        var orders = new (IOrder Order, int Key)[]
        {
            (f.AppOrder(), MarketFixture.AppOwnerKey),
            (f.DatasetOrder(), MarketFixture.DatasetOwnerKey),
            (f.PoolOrder(), MarketFixture.PoolOwnerKey),
            (f.RequestOrder(pool: f.Pool), MarketFixture.RequesterKey),
        };
        foreach (var (order, key) in orders)
        {
            var typedData = TypedData(order, f.Domain);
            var signature = new Eip712TypedDataSigner().SignTypedDataV4(typedData, new EthECKey(f.Chain.Keys[key]));
            var body = new JsonObject { ["order"] = JsonNode.Parse(typedData)!["message"]!.DeepClone(), ["signature"] = signature };
            var response = await f.Http.PostRawAsync(Market.OrderKinds.Name(order.Kind), body.ToJsonString());
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"{order.Kind}: {await response.Content.ReadAsStringAsync()}");
            var hash = (await response.JsonAsync()).GetProperty("orderHash").GetString();
            Assert.Equal((await f.AppOwner.HashOnChainAsync(order)).ToString(), hash);
        }
    }

    [Fact]
    public void The_documented_example_hashes_and_signs_as_stated()
    {
        var example = DocumentedBlock("typed-data-example");
        var domain = example["domain"]!;
        var eip712 = new Eip712Domain((long)domain["chainId"]!, (string)domain["verifyingContract"]!);
        using var message = System.Text.Json.JsonDocument.Parse(example["message"]!.ToJsonString());
        var order = OrderJson.Parse(OrderKind.App, message.RootElement);
        var digest = eip712.Digest(order.StructHash());

        var key = new EthECKey("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"); // anvil account 1
        var signature = new Eip712TypedDataSigner().SignTypedDataV4(example.ToJsonString(), key);
        Assert.Equal(key.GetPublicAddress(), Signatures.Recover(digest, Convert.FromHexString(signature[2..])), ignoreCase: true);
        Assert.Contains($"`{digest}`", Doc);
        Assert.Contains($"`{signature}`", Doc, StringComparison.OrdinalIgnoreCase);
    }

    [GeneratedRegex("```json\\s*\\n(.*?)\\n```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
