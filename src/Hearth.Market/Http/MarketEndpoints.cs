using System.Text.Json;
using System.Text.Json.Nodes;
using Hearth.Chain.Transactions;
using Hearth.Market.Book;
using Hearth.Market.Json;
using Hearth.Market.Verification;
using Hearth.Protocol;
using Hearth.Protocol.Orders;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Hearth.Market.Http;

/// <summary>The HTTP API of the order book. There is no DELETE: an order is cancelled on chain, and the book notices.</summary>
public static class MarketEndpoints
{
    public static IEndpointRouteBuilder MapHearthMarket(this IEndpointRouteBuilder app)
    {
        var orders = app.MapGroup("/api/orders").WithTags("orders");
        orders.MapPost("/{kind}", PublishAsync)
            .WithName("PublishOrder")
            .WithSummary("Publishes a signed order (kind: app, dataset, workerpool or request)")
            .Accepts<PublishOrderRequest>("application/json")
            .Produces<PublishOrderResponse>(StatusCodes.Status201Created)
            .Produces<PublishOrderResponse>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        orders.MapGet("/{kind}", QueryAsync)
            .WithName("QueryOrders")
            .WithSummary("Orders of one kind, cheapest first; open ones unless status says otherwise; after=<next> for the following page")
            .Produces<OrderPageView>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        orders.MapGet("/{kind}/{hash}", GetAsync)
            .WithName("GetOrder")
            .WithSummary("One order by its EIP-712 hash")
            .Produces<OrderView>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<IResult> PublishAsync(string kind, HttpContext http, OrderPublisher publisher, OrderBook book, IOptions<MarketOptions> options, PublishRateLimit limit, CancellationToken ct)
    {
        // Each publication costs chain reads: a client over its allowance is answered before any of them.
        if (limit.TryAdmit(http) is { } retryAfter)
        {
            http.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Problem(StatusCodes.Status429TooManyRequests, "Too many publications",
                $"this client published too many orders too fast; retry after {retryAfter} s", "rate-limited");
        }
        if (!OrderKinds.TryParse(kind, out var orderKind)) return UnknownKind(kind);
        try
        {
            var body = await BodyReader.ReadAsync(http, options.Value.MaxBodyBytes, ct);
            if (body is null) return TooLarge(options.Value.MaxBodyBytes);
            var (order, signature) = ParseBody(orderKind, body);
            var (stored, created) = await publisher.PublishAsync(order, signature, ct);
            var response = new PublishOrderResponse(stored.Hash, UintKey.Parse(stored.RemainingKey).ToString(), StatusName(book.EffectiveStatus(stored)));
            return created
                ? Results.Created($"/api/orders/{OrderKinds.Name(orderKind)}/{stored.Hash}", response)
                : Results.Ok(response);
        }
        catch (OrderFormatException e)
        {
            return Problem(StatusCodes.Status400BadRequest, "Malformed order", e.Message, "malformed", e.Field);
        }
        catch (OrderRejectedException e)
        {
            return Problem(StatusCodes.Status422UnprocessableEntity, "Order refused", e.Message, e.Code);
        }
        catch (ChainUnreachableException e)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "Chain unreachable", e.Message, "chain-unreachable");
        }
        catch (ContractRevertException e)
        {
            return Problem(StatusCodes.Status502BadGateway, "Chain refused a read", e.Message, "chain-error");
        }
    }

    private static async Task<IResult> QueryAsync(string kind, HttpRequest request, OrderBook book, IOptions<MarketOptions> options, CancellationToken ct)
    {
        if (!OrderKinds.TryParse(kind, out var orderKind)) return UnknownKind(kind);
        OrderQuery query;
        try
        {
            query = QueryParser.Parse(orderKind, request.Query, options.Value.MaxPageSize);
        }
        catch (OrderFormatException e)
        {
            return Problem(StatusCodes.Status400BadRequest, "Bad filter", e.Message, "bad-filter", e.Field);
        }
        var (items, next) = await book.QueryAsync(orderKind, query, ct);
        return Results.Ok(new OrderPageView(items.Select(o => View(o, book)).ToList(), query.PageSize, next?.ToString()));
    }

    private static async Task<IResult> GetAsync(string kind, string hash, OrderBook book, CancellationToken ct)
    {
        if (!OrderKinds.TryParse(kind, out var orderKind)) return UnknownKind(kind);
        if (!hash.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || !Hash32.TryParse(hash, out var h))
            return Problem(StatusCodes.Status400BadRequest, "Bad order hash", $"hash: '{hash}' is not 0x and 64 hex digits", "bad-hash", "hash");
        var order = await book.FindAsync(h, ct);
        return order is null || order.Kind != orderKind
            ? Problem(StatusCodes.Status404NotFound, "No such order", $"no {kind} order {h} in this book", "not-found")
            : Results.Ok(View(order, book));
    }

    private static (IOrder Order, byte[] Signature) ParseBody(OrderKind kind, byte[] body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new OrderFormatException("body", $"is not valid JSON ({e.Message})");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new OrderFormatException("body", $"expected an object {{ \"order\": {{...}}, \"signature\": \"0x...\" }}, got {FieldReader.Describe(root.ValueKind)}");
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name is not ("order" or "signature"))
                    throw new OrderFormatException(property.Name, "is not expected; the body has \"order\" and \"signature\"");
            }
            if (!root.TryGetProperty("order", out var message)) throw new OrderFormatException("order", "is missing");
            var order = OrderJson.Parse(kind, message);
            root.TryGetProperty("signature", out var sig);
            if (sig.ValueKind is not (JsonValueKind.String or JsonValueKind.Undefined or JsonValueKind.Null))
                throw new OrderFormatException("signature", $"expected 0x and 130 hex digits, got {FieldReader.Describe(sig.ValueKind)}");
            var signature = SignatureHex.Parse(sig.ValueKind == JsonValueKind.String ? sig.GetString() : null);
            return (order, signature);
        }
    }

    internal static OrderView View(StoredOrder o, OrderBook book) => new(
        o.Hash,
        OrderKinds.Name(o.Kind),
        JsonNode.Parse(o.MessageJson)!.AsObject(),
        o.Signature,
        o.Signer,
        o.Volume,
        UintKey.Parse(o.RemainingKey).ToString(),
        StatusName(book.EffectiveStatus(o)),
        DateTimeOffset.FromUnixTimeMilliseconds(o.PublishedAtMs));

    internal static string StatusName(OrderStatus status) => status.ToString().ToLowerInvariant();

    private static IResult UnknownKind(string kind) =>
        Problem(StatusCodes.Status404NotFound, "Unknown order kind", $"'{kind}' is not an order kind: use app, dataset, workerpool or request", "unknown-kind", "kind");

    private static IResult TooLarge(long max) =>
        Problem(StatusCodes.Status413PayloadTooLarge, "Body too large", $"the body is over the limit of {max} bytes", "too-large");

    private static IResult Problem(int status, string title, string detail, string code, string? field = null)
    {
        var extensions = new Dictionary<string, object?> { ["code"] = code };
        if (field is not null) extensions["field"] = field;
        return Results.Problem(detail: detail, statusCode: status, title: title, extensions: extensions);
    }
}
