using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Hearth.Market.Book;
using Hearth.Market.Http;
using Hearth.Market.Json;
using Hearth.Protocol.Orders;

namespace Hearth.Market.Client;

/// <summary>An order as the market lists it, parsed back into the protocol's types.</summary>
public sealed record MarketOrder(
    string OrderHash, OrderKind Kind, IOrder Order, byte[] Signature, string Signer,
    BigInteger Volume, BigInteger Remaining, OrderStatus Status, DateTimeOffset PublishedAt);

/// <summary>One page; <see cref="Next"/> (null on the last page) is the <see cref="OrderQuery.After"/> of the following one.</summary>
public sealed record MarketOrderPage(IReadOnlyList<MarketOrder> Items, int PageSize, OrderCursor? Next);

/// <summary>The result of a publication: <see cref="Created"/> is false when the book already had the order.</summary>
public sealed record PublishedOrder(string OrderHash, BigInteger Remaining, OrderStatus Status, bool Created);

/// <summary>A typed client of the market's HTTP API (for the CLI and other roles).</summary>
public sealed class MarketClient(HttpClient http)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Uri BaseUrl => http.BaseAddress ?? throw new InvalidOperationException("the HttpClient has no BaseAddress");

    public async Task<PublishedOrder> PublishAsync(IOrder order, byte[] signature, CancellationToken ct = default)
    {
        var body = new JsonObjectBody(order, signature).ToJson();
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await SendAsync(() => http.PostAsync($"api/orders/{OrderKinds.Name(order.Kind)}", content, ct));
        var result = await ReadAsync<PublishOrderResponse>(response, ct);
        return new PublishedOrder(result.OrderHash, BigInteger.Parse(result.Remaining, CultureInfo.InvariantCulture), ParseStatus(result.Status), response.StatusCode == HttpStatusCode.Created);
    }

    public async Task<MarketOrderPage> QueryAsync(OrderKind kind, OrderQuery? query = null, CancellationToken ct = default)
    {
        using var response = await SendAsync(() => http.GetAsync($"api/orders/{OrderKinds.Name(kind)}{QueryString(query ?? new OrderQuery())}", ct));
        var page = await ReadAsync<OrderPageView>(response, ct);
        var next = OrderCursor.TryParse(page.Next, out var cursor) ? cursor : null;
        return new MarketOrderPage(page.Items.Select(ToOrder).ToList(), page.PageSize, next);
    }

    /// <summary>The order, or null when the book does not have it.</summary>
    public async Task<MarketOrder?> GetAsync(OrderKind kind, string orderHash, CancellationToken ct = default)
    {
        using var response = await SendAsync(() => http.GetAsync($"api/orders/{OrderKinds.Name(kind)}/{orderHash}", ct));
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        return ToOrder(await ReadAsync<OrderView>(response, ct));
    }

    private async Task<HttpResponseMessage> SendAsync(Func<Task<HttpResponseMessage>> send)
    {
        try
        {
            return await send();
        }
        catch (HttpRequestException e)
        {
            throw new MarketUnreachableException(BaseUrl, e);
        }
        catch (TaskCanceledException e) when (e.InnerException is TimeoutException)
        {
            throw new MarketUnreachableException(BaseUrl, e);
        }
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
        {
            string? detail = null, code = null, field = null;
            try
            {
                using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
                var root = problem.RootElement;
                detail = root.TryGetProperty("detail", out var d) ? d.GetString() : root.TryGetProperty("title", out var t) ? t.GetString() : null;
                code = root.TryGetProperty("code", out var c) ? c.GetString() : null;
                field = root.TryGetProperty("field", out var f) ? f.GetString() : null;
            }
            catch (JsonException)
            {
                // Not a problem document (a proxy's error page): the status line has to do.
            }
            throw new MarketRequestException(response.StatusCode, code, field, detail ?? $"the market answered {(int)response.StatusCode} {response.ReasonPhrase}")
            {
                RetryAfter = response.Headers.RetryAfter?.Delta,
            };
        }
        return await response.Content.ReadFromJsonAsync<T>(Json, ct)
            ?? throw new InvalidOperationException("the market answered with an empty body");
    }

    private static MarketOrder ToOrder(OrderView v)
    {
        OrderKinds.TryParse(v.Kind, out var kind);
        using var message = JsonDocument.Parse(v.Order.ToJsonString());
        return new MarketOrder(
            v.OrderHash, kind, OrderJson.Parse(kind, message.RootElement), Convert.FromHexString(v.Signature.AsSpan(2)), v.Signer,
            BigInteger.Parse(v.Volume, CultureInfo.InvariantCulture), BigInteger.Parse(v.Remaining, CultureInfo.InvariantCulture),
            ParseStatus(v.Status), v.PublishedAt);
    }

    private static OrderStatus ParseStatus(string status) => Enum.Parse<OrderStatus>(status, ignoreCase: true);

    private static string QueryString(OrderQuery q)
    {
        var parts = new List<string>();
        void Add(string name, object? value)
        {
            if (value is not null) parts.Add($"{name}={Uri.EscapeDataString(Convert.ToString(value, CultureInfo.InvariantCulture)!)}");
        }
        Add("app", q.App);
        Add("dataset", q.Dataset);
        Add("workerpool", q.Workerpool);
        Add("category", q.Category);
        Add("tag", q.Tag is null ? null : "0x" + Convert.ToHexStringLower(q.Tag));
        Add("maxPrice", q.MaxPrice);
        Add("requester", q.Requester);
        Add("minVolume", q.MinVolume);
        Add("status", q.Status is { } s ? MarketEndpoints.StatusName(s) : "all");
        Add("after", q.After?.ToString());
        Add("pageSize", q.PageSize);
        return "?" + string.Join('&', parts);
    }

    private sealed record JsonObjectBody(IOrder Order, byte[] Signature)
    {
        public string ToJson() => new System.Text.Json.Nodes.JsonObject
        {
            ["order"] = OrderJson.ToMessage(Order),
            ["signature"] = "0x" + Convert.ToHexStringLower(Signature),
        }.ToJsonString();
    }
}
