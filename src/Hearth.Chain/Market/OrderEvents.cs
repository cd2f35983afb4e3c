using Nethereum.ABI.FunctionEncoding.Attributes;

namespace Hearth.Chain.Market;

/// <summary>An order cancelled on chain. <see cref="Party"/> is the contract's Party enum: 0 app, 1 dataset,
/// 2 workerpool, 3 requester.</summary>
[Event("OrderCancelled")]
public sealed class OrderCancelledEvent : IEventDTO
{
    [Parameter("bytes32", "orderHash", 1, true)] public byte[] OrderHash { get; set; } = [];
    [Parameter("uint8", "party", 2, false)] public byte Party { get; set; }
}

/// <summary>An order pre-signed on chain (it can then be matched with an empty signature).</summary>
[Event("OrderPresigned")]
public sealed class OrderPresignedEvent : IEventDTO
{
    [Parameter("bytes32", "orderHash", 1, true)] public byte[] OrderHash { get; set; } = [];
    [Parameter("uint8", "party", 2, false)] public byte Party { get; set; }
}
