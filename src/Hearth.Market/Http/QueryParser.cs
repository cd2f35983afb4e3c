using System.Globalization;
using System.Numerics;
using Hearth.Market.Book;
using Hearth.Market.Json;
using Hearth.Protocol;
using Hearth.Protocol.Orders;
using Microsoft.AspNetCore.Http;

namespace Hearth.Market.Http;

/// <summary>Reads the filters of GET /api/orders/{kind}, naming the parameter in every complaint.</summary>
internal static class QueryParser
{
    private static readonly string[] Known = ["app", "dataset", "workerpool", "category", "tag", "maxPrice", "requester", "minVolume", "status", "after", "page", "pageSize"];

    public static OrderQuery Parse(OrderKind kind, IQueryCollection q, int maxPageSize)
    {
        foreach (var key in q.Keys)
        {
            if (!Known.Contains(key, StringComparer.OrdinalIgnoreCase))
                throw new OrderFormatException(key, $"is not a filter; use {string.Join(", ", Known)}");
        }
        var category = Long(q, "category", 0, long.MaxValue);
        if (category is not null && kind is OrderKind.App or OrderKind.Dataset)
            throw new OrderFormatException("category", $"{OrderKinds.Name(kind)} orders have no category; filter workerpool or request orders by it");
        var pageSize = Long(q, "pageSize", 1, maxPageSize) ?? Math.Min(50, maxPageSize);
        // Page numbers meant OFFSET scans as deep as the caller liked: only the first page is still accepted by number.
        if (Text(q, "page") is { } page && page != "1")
            throw new OrderFormatException("page", $"'{page}': pages are no longer numbered; read on with after=<the previous page's next>");
        return new OrderQuery
        {
            App = Uint(q, "app"),
            Dataset = Uint(q, "dataset"),
            Workerpool = Uint(q, "workerpool"),
            Category = category,
            Tag = Tag(q),
            MaxPrice = Uint(q, "maxPrice"),
            Requester = Address(q),
            MinVolume = Uint(q, "minVolume"),
            Status = Status(q),
            After = After(q),
            PageSize = (int)pageSize,
        };
    }

    private static OrderCursor? After(IQueryCollection q)
    {
        var text = Text(q, "after");
        if (text is null) return null;
        return OrderCursor.TryParse(text, out var cursor)
            ? cursor
            : throw new OrderFormatException("after", "is not a cursor of this book: pass the next of a previous page as it was given");
    }

    private static string? Text(IQueryCollection q, string name)
    {
        var values = q[name];
        if (values.Count > 1) throw new OrderFormatException(name, "is given more than once");
        return values.Count == 0 || string.IsNullOrEmpty(values[0]) ? null : values[0];
    }

    private static BigInteger? Uint(IQueryCollection q, string name)
    {
        var text = Text(q, name);
        if (text is null) return null;
        if (text.Length > 78 || text.AsSpan().IndexOfAnyExcept("0123456789") >= 0)
            throw new OrderFormatException(name, $"'{text}' is not a non-negative whole number");
        var value = BigInteger.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        if (value >= BigInteger.One << 256) throw new OrderFormatException(name, "does not fit in a uint256");
        return value;
    }

    private static long? Long(IQueryCollection q, string name, long min, long max)
    {
        var text = Text(q, name);
        if (text is null) return null;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw new OrderFormatException(name, $"'{text}' must be a whole number from {min} to {max}");
        return value;
    }

    private static byte[]? Tag(IQueryCollection q)
    {
        var text = Text(q, "tag");
        if (text is null) return null;
        if (!text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || !Hash32.TryParse(text, out var tag))
            throw new OrderFormatException("tag", $"'{text}' is not a bytes32 (0x and 64 hex digits)");
        return tag.ToArray();
    }

    private static string? Address(IQueryCollection q)
    {
        var text = Text(q, "requester");
        if (text is null) return null;
        if (!Addresses.IsValid(text)) throw new OrderFormatException("requester", $"'{text}' is not an address (0x and 40 hex digits)");
        return text;
    }

    private static OrderStatus? Status(IQueryCollection q) => Text(q, "status")?.ToLowerInvariant() switch
    {
        null or "open" => OrderStatus.Open,
        "consumed" => OrderStatus.Consumed,
        "cancelled" => OrderStatus.Cancelled,
        "expired" => OrderStatus.Expired,
        "all" => null,
        var other => throw new OrderFormatException("status", $"'{other}' is not open, consumed, cancelled, expired or all"),
    };
}
