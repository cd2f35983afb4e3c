namespace Hearth.Market.Book;

public enum OrderStatus
{
    /// <summary>Has volume left, unexpired: can be matched.</summary>
    Open = 0,

    /// <summary>Its whole volume went into deals (a request order too may go into several).</summary>
    Consumed = 1,

    /// <summary>Its owner cancelled it on chain.</summary>
    Cancelled = 2,

    /// <summary>Its expiry passed.</summary>
    Expired = 3,
}
