using System.Numerics;

namespace Hearth.Market.Book;

/// <summary>What a caller looks for. Filters that name an asset match the order's own asset exactly, and a
/// restriction when it is that asset or anyone: "orders that could go into a deal with app 7".</summary>
public sealed record OrderQuery
{
    public BigInteger? App { get; init; }
    public BigInteger? Dataset { get; init; }
    public BigInteger? Workerpool { get; init; }
    public long? Category { get; init; }

    /// <summary>Pool orders offering every bit of it; other orders asking for no bit outside it.</summary>
    public byte[]? Tag { get; init; }

    /// <summary>The price, or for a request the sum of its maximum prices, at most this.</summary>
    public BigInteger? MaxPrice { get; init; }

    public string? Requester { get; init; }

    /// <summary>At least this much volume left.</summary>
    public BigInteger? MinVolume { get; init; }

    /// <summary>Null: any status. The HTTP API defaults to open.</summary>
    public OrderStatus? Status { get; init; } = OrderStatus.Open;

    /// <summary>The orders after this one (the <c>next</c> of the previous page); null: from the cheapest.</summary>
    public OrderCursor? After { get; init; }

    public int PageSize { get; init; } = 50;
}
