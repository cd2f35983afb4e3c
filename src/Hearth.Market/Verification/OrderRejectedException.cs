namespace Hearth.Market.Verification;

/// <summary>A well-formed order the book refuses; <see cref="Code"/> is stable for programs, the message is for people.</summary>
public sealed class OrderRejectedException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;

    public const string NotRegistered = "not-registered";
    public const string BadSignature = "bad-signature";
    public const string Expired = "expired";
    public const string Consumed = "consumed";
    public const string UnknownCategory = "unknown-category";
    public const string EmptyVolume = "empty-volume";
    public const string InsufficientFunds = "insufficient-funds";
    public const string TooManyOrders = "too-many-orders";
}
