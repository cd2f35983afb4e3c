using System.Numerics;
using Hearth.Protocol.Orders;

namespace Hearth.Network.Requesting;

/// <summary>What a requester wants run: an app (and dataset) for <see cref="Volume"/> tasks at a trust level,
/// paying at most <see cref="MaxTaskPrice"/> per task in all (nano-HRTH; null: any price).</summary>
public sealed record RunRequest
{
    public required BigInteger App { get; init; }
    public BigInteger Dataset { get; init; }
    public BigInteger Workerpool { get; init; }
    public int Volume { get; init; } = 1;
    public uint Trust { get; init; } = 1;
    public long Category { get; init; }
    public string Params { get; init; } = "";
    public BigInteger? MaxTaskPrice { get; init; }

    /// <summary>Memory, output and scratch space each task needs beyond what every pool gives (<see cref="ResourceTag.Base"/>):
    /// only pools whose orders offer them are chosen, and the tasks run with them.</summary>
    public ResourceNeeds Needs { get; init; } = ResourceNeeds.None;

    /// <summary>A contract called with each task's result, or the zero address for none. Only pools that accept
    /// callbacks can take such a request.</summary>
    public string Callback { get; init; } = Protocol.Addresses.Zero;
}

/// <summary>No compatible set of orders: <see cref="Exception.Message"/> says which constraint failed for the nearest ones.</summary>
public sealed class NoMatchException(string message) : Exception(message);
