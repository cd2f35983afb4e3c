using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hearth.Market.Json;
using Hearth.Protocol;
using Hearth.Protocol.Orders;

namespace Hearth.Market.Tests;

/// <summary>Orders signed by ethers v6 (Node.js), as docs/orders.md tells someone who does not use the CLI: the
/// signature recovers to the key's address with the project's own EIP-712 hashing, and the order book takes the order.
/// Needs `node` and the repository root's node_modules (`npm ci` at the root installs ethers).</summary>
[Collection(MarketCollection.Name)]
public sealed class EthersSigningTests(MarketFixture f)
{
    [Fact]
    public async Task App_and_request_orders_signed_by_ethers_recover_to_the_signer_and_are_listed()
    {
        // One key signs both: an app registered to the requester's account, and a request of that account.
        var key = f.Key(MarketFixture.RequesterKey);
        var app = await f.NewAppAsync(ownerKey: MarketFixture.RequesterKey);
        var orders = new IOrder[] { f.AppOrder(app: app), f.RequestOrder(app: app, pool: f.Pool) };

        var output = await RunScriptAsync(new JsonObject
        {
            ["key"] = "0x" + Convert.ToHexStringLower(key.GetPrivateKeyAsBytes()),
            ["domain"] = new JsonObject { ["chainId"] = f.Domain.ChainId.ToString(), ["verifyingContract"] = f.Domain.VerifyingContract },
            ["orders"] = new JsonObject(orders.Select(o => KeyValuePair.Create(OrderJson.TypeName(o.Kind), (JsonNode?)OrderJson.ToMessage(o)))),
        });

        var address = key.GetPublicAddress();
        Assert.Equal(address, output.GetProperty("address").GetString(), ignoreCase: true);
        foreach (var order in orders)
        {
            var signed = output.GetProperty("orders").GetProperty(OrderJson.TypeName(order.Kind));
            var digest = f.Domain.Digest(order.StructHash());
            Assert.Equal(digest.ToString(), signed.GetProperty("hash").GetString(), ignoreCase: true);
            var signature = Convert.FromHexString(signed.GetProperty("signature").GetString()![2..]);
            Assert.Equal(address, Signatures.Recover(digest, signature), ignoreCase: true);

            // Published as a JavaScript user would: the message ethers signed, and its signature, over plain HTTP.
            var body = new JsonObject
            {
                ["order"] = JsonNode.Parse(signed.GetProperty("message").GetRawText()),
                ["signature"] = signed.GetProperty("signature").GetString(),
            };
            var kind = OrderKinds.Name(order.Kind);
            var response = await f.Http.PostRawAsync(kind, body.ToJsonString());
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"{order.Kind}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            var published = await response.JsonAsync();
            Assert.Equal(digest.ToString(), published.GetProperty("orderHash").GetString());
            Assert.Equal("open", published.GetProperty("status").GetString());

            var listed = await (await f.Http.GetAsync($"api/orders/{kind}/{digest}")).JsonAsync();
            Assert.Equal(address, listed.GetProperty("signer").GetString(), ignoreCase: true);
            Assert.Equal(digest, await f.AppOwner.HashOnChainAsync(order));
        }

        // The pitfall the documentation warns of: ethers derives EIP712Domain itself and refuses it in `types`.
        Assert.Contains("ambiguous primary types", output.GetProperty("refusedWithDomainType").GetString());
    }

    private static async Task<JsonElement> RunScriptAsync(JsonObject input)
    {
        var root = RepositoryRoot();
        if (!File.Exists(Path.Combine(root, "node_modules", "ethers", "package.json")))
            Assert.Fail($"ethers is not installed in {Path.Combine(root, "node_modules")}: run `npm ci` in {root} (package.json lists ethers as a devDependency)");
        var script = Path.Combine(root, "tests", "Hearth.Market.Tests", "Ethers", "sign-orders.mjs");
        Assert.True(File.Exists(script), $"missing {script}");

        var start = new ProcessStartInfo("node", [script])
        {
            WorkingDirectory = root,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Fail($"could not start `node` (Node.js 20 is needed on PATH): {e.Message}");
            throw;
        }
        using (process)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.StandardInput.WriteAsync(input.ToJsonString());
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail("the ethers script did not finish within 60 s");
            }
            Assert.True(process.ExitCode == 0, $"node {script} exited with {process.ExitCode}: {await stderr}");
            return JsonDocument.Parse(await stdout).RootElement.Clone();
        }
    }

    /// <summary>The folder holding the root package.json (and its node_modules), above the test's output folder.</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "package.json")) && File.Exists(Path.Combine(dir.FullName, "Hearth.slnx")))
                return dir.FullName;
        }
        Assert.Fail($"no package.json with Hearth.slnx above {AppContext.BaseDirectory}: the test runs from the repository's build output");
        return null!;
    }
}
