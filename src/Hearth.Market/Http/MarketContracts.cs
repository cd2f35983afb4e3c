using System.Text.Json.Nodes;

namespace Hearth.Market.Http;

/// <summary>The body of POST /api/orders/{kind}: the typed-data message (Solidity field names) and its 65-byte signature.</summary>
public sealed record PublishOrderRequest(JsonObject Order, string Signature);

/// <summary>The answer to a publication. <c>remaining</c> is a decimal string (uint256).</summary>
public sealed record PublishOrderResponse(string OrderHash, string Remaining, string Status);

/// <summary>One order of the book. Status: open, consumed, cancelled or expired.</summary>
public sealed record OrderView(
    string OrderHash,
    string Kind,
    JsonObject Order,
    string Signature,
    string Signer,
    string Volume,
    string Remaining,
    string Status,
    DateTimeOffset PublishedAt);

/// <summary>One page of orders. <c>next</c>: pass it as <c>after</c> for the following page; null on the last page.</summary>
public sealed record OrderPageView(IReadOnlyList<OrderView> Items, int PageSize, string? Next);
