namespace Hearth.Protocol.Orders;

public enum OrderKind
{
    App,
    Dataset,
    Workerpool,
    Request,
}

/// <summary>An order of the market, hashed as EIP-712 typed data exactly as the contract hashes it.</summary>
public interface IOrder
{
    OrderKind Kind { get; }

    /// <summary>The EIP-712 type string, e.g. "AppOrder(uint256 app,...)".</summary>
    string TypeString { get; }

    Hash32 StructHash();
}
