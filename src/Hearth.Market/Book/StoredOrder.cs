namespace Hearth.Market.Book;

/// <summary>One order of the book. Asset ids are decimal strings; "0" in a restriction column means anyone.
/// Amounts that sort or compare are <see cref="UintKey"/>s.</summary>
public sealed class StoredOrder
{
    /// <summary>The EIP-712 digest, 0x-prefixed lowercase hex: the contract's key for the order.</summary>
    public string Hash { get; set; } = "";

    public Protocol.Orders.OrderKind Kind { get; set; }

    /// <summary>The order's app (app and request orders) or app restriction (dataset and pool orders).</summary>
    public string App { get; set; } = "0";

    public string Dataset { get; set; } = "0";

    public string Workerpool { get; set; } = "0";

    /// <summary>Lowercase; the requester (request orders) or requester restriction (others, zero address = anyone).</summary>
    public string Requester { get; set; } = "";

    /// <summary>-1 for app and dataset orders, which have none.</summary>
    public long Category { get; set; } = -1;

    /// <summary>The price (asset orders) or the sum of the maximum prices (request orders).</summary>
    public string PriceKey { get; set; } = "";

    public string RemainingKey { get; set; } = "";

    /// <summary>The order's whole volume, decimal.</summary>
    public string Volume { get; set; } = "0";

    public long Tag0 { get; set; }
    public long Tag1 { get; set; }
    public long Tag2 { get; set; }
    public long Tag3 { get; set; }

    /// <summary>Unix seconds; 0 never expires (an expiry past long's range is stored as long.MaxValue).</summary>
    public long Expiry { get; set; }

    public OrderStatus Status { get; set; }

    /// <summary>The typed-data message as published (canonical form).</summary>
    public string MessageJson { get; set; } = "";

    /// <summary>0x hex; empty ("0x") for an order pre-signed on chain.</summary>
    public string Signature { get; set; } = "";

    /// <summary>Who signed: the asset's owner or the requester, at publication.</summary>
    public string Signer { get; set; } = "";

    public long PublishedAtMs { get; set; }

    public long UpdatedAtMs { get; set; }
}

/// <summary>The next block the chain sync reads; one row.</summary>
public sealed class ChainCursor
{
    public int Id { get; set; }

    public long NextBlock { get; set; }
}
