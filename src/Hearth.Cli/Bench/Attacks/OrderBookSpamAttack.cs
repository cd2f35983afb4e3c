using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Hearth.Chain;
using Hearth.Market.Json;
using Hearth.Network;
using Hearth.Protocol;
using Hearth.Protocol.Orders;
using Nethereum.Signer;

namespace Hearth.Cli.Bench.Attacks;

/// <summary>
/// An attacker floods the order book with request orders signed by fresh keys (unfunded, half of them at zero prices, so
/// only the book's own bounds stand in the way), then asks for page ten million. Each publication used to cost about six
/// chain reads, any key could list any number of orders, and deep pages were OFFSET scans. The attack passes through
/// when any of its orders is listed, when no publication is answered 429, or when the deep page is not refused at once.
/// </summary>
internal sealed class OrderBookSpamAttack(int orders = 10_000) : IAttack
{
    public string Name => "order-book-spam";

    /// <summary>10,000 orders; 2,000 under CI (signing them is most of the attack's time), or HEARTH_ATTACK_SPAM_ORDERS.</summary>
    public static int OrdersFromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable("HEARTH_ATTACK_SPAM_ORDERS"), out var n) && n > 0 ? n
        : Environment.GetEnvironmentVariable("CI") is { Length: > 0 } ? 2_000 : 10_000;

    public async Task<AttackOutcome> PlayAsync(LocalNetwork net, CancellationToken ct)
    {
        var domain = net.Chain.Client(DevAccounts.Requester).Domain;
        var app = net.Apps[0].Id;
        var bodies = new string[orders];
        Parallel.For(0, orders, new ParallelOptions { CancellationToken = ct }, i =>
        {
            var key = new EthECKey(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), true);
            var order = new RequestOrder
            {
                App = app, AppMaxPrice = i % 2 == 0 ? 0 : Tokens.FromHrth(0.1m), WorkerpoolMaxPrice = i % 2 == 0 ? 0 : Tokens.FromHrth(1m),
                Requester = key.GetPublicAddress(), Beneficiary = key.GetPublicAddress(), Volume = 1_000_000, Trust = 1, Salt = Salt.New(),
            };
            bodies[i] = new JsonObject
            {
                ["order"] = OrderJson.ToMessage(order),
                ["signature"] = "0x" + Convert.ToHexStringLower(Signatures.Sign(order, domain, key)),
            }.ToJsonString();
        });

        using var http = new HttpClient { BaseAddress = new Uri(net.MarketUrl + "/"), Timeout = TimeSpan.FromSeconds(30) };
        var counts = new Dictionary<string, int>();
        var clock = Stopwatch.StartNew();
        var next = -1;
        var senders = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < orders)
            {
                using var content = new StringContent(bodies[i], Encoding.UTF8, "application/json");
                using var response = await http.PostAsync("api/orders/request", content, ct);
                var outcome = response.StatusCode switch
                {
                    HttpStatusCode.TooManyRequests when response.Headers.RetryAfter is not null => "429",
                    HttpStatusCode.Created or HttpStatusCode.OK => "listed",
                    _ => await CodeAsync(response, ct),
                };
                lock (counts) counts[outcome] = counts.GetValueOrDefault(outcome) + 1;
            }
        }, ct)).ToArray();
        await Task.WhenAll(senders);
        var flood = clock.Elapsed;

        clock.Restart();
        using var deep = await http.GetAsync("api/orders/request?page=10000000&pageSize=200", ct);
        var deepTime = clock.Elapsed;
        using var first = await http.GetAsync("api/orders/request?pageSize=200", ct);

        var listed = counts.GetValueOrDefault("listed");
        var limited = counts.GetValueOrDefault("429");
        var summary = string.Join(", ", counts.OrderByDescending(c => c.Value).Select(c => $"{c.Value} {c.Key}"));
        return new AttackOutcome(Name,
            $"published {orders} request orders signed by {orders} fresh unfunded keys (half at zero prices) from one client, 8 at a time, then asked for page 10,000,000",
            $"in {flood.TotalSeconds:0.0} s: {summary}; page 10,000,000 answered {(int)deep.StatusCode} in {deepTime.TotalMilliseconds:0} ms; the first page {(int)first.StatusCode}",
            listed == 0 && limited > 0 && deep.StatusCode == HttpStatusCode.BadRequest && deepTime < TimeSpan.FromSeconds(1) && first.IsSuccessStatusCode);
    }

    private static async Task<string> CodeAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct));
            return (string?)problem?["code"] ?? ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (System.Text.Json.JsonException)
        {
            return ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
