using System.Numerics;
using Hearth.Protocol.Deals;
using Nethereum.ABI.FunctionEncoding.Attributes;

namespace Hearth.Chain.Market;

[Event("DealCreated")]
public sealed class DealCreatedEvent : IEventDTO
{
    [Parameter("bytes32", "dealId", 1, true)] public byte[] DealId { get; set; } = [];
    [Parameter("uint256", "workerpool", 2, true)] public BigInteger Workerpool { get; set; }
    [Parameter("address", "requester", 3, true)] public string Requester { get; set; } = "";
    [Parameter("tuple", "deal", 4, false)] public Deal Deal { get; set; } = new();
    [Parameter("string", "params", 5, false)] public string Params { get; set; } = "";
}

[Event("TaskSettled")]
public sealed class TaskSettledEvent : IEventDTO
{
    [Parameter("bytes32", "dealId", 1, true)] public byte[] DealId { get; set; } = [];
    [Parameter("uint256", "task", 2, false)] public BigInteger Task { get; set; }
    [Parameter("bytes32", "digest", 3, false)] public byte[] Digest { get; set; } = [];
}

[Event("ResultsStored")]
public sealed class ResultsStoredEvent : IEventDTO
{
    [Parameter("bytes32", "dealId", 1, true)] public byte[] DealId { get; set; } = [];
    [Parameter("string", "location", 2, false)] public string Location { get; set; } = "";
}

[Event("TaskRefunded")]
public sealed class TaskRefundedEvent : IEventDTO
{
    [Parameter("bytes32", "dealId", 1, true)] public byte[] DealId { get; set; } = [];
    [Parameter("uint256", "task", 2, false)] public BigInteger Task { get; set; }
}

[Event("WorkerSlashed")]
public sealed class WorkerSlashedEvent : IEventDTO
{
    [Parameter("address", "worker", 1, true)] public string Worker { get; set; } = "";
    [Parameter("bytes32", "dealId", 2, true)] public byte[] DealId { get; set; } = [];
    [Parameter("uint256", "task", 3, false)] public BigInteger Task { get; set; }
    [Parameter("uint256", "amount", 4, false)] public BigInteger Amount { get; set; }
}

/// <summary>An app or dataset registration.</summary>
[Event("Registered")]
public sealed class ContentRegisteredEvent : IEventDTO
{
    [Parameter("uint256", "id", 1, true)] public BigInteger Id { get; set; }
    [Parameter("address", "owner", 2, true)] public string Owner { get; set; } = "";
    [Parameter("bytes32", "checksum", 3, false)] public byte[] Checksum { get; set; } = [];
    [Parameter("string", "location", 4, false)] public string Location { get; set; } = "";
    [Parameter("string", "name", 5, false)] public string Name { get; set; } = "";
}

[Event("Registered")]
public sealed class WorkerpoolRegisteredEvent : IEventDTO
{
    [Parameter("uint256", "id", 1, true)] public BigInteger Id { get; set; }
    [Parameter("address", "owner", 2, true)] public string Owner { get; set; } = "";
    [Parameter("address", "scheduler", 3, false)] public string Scheduler { get; set; } = "";
    [Parameter("string", "apiUrl", 4, false)] public string ApiUrl { get; set; } = "";
    [Parameter("string", "name", 5, false)] public string Name { get; set; } = "";
}

/// <summary>A pool's policy, set once at registration.</summary>
[Event("PolicySet")]
public sealed class PolicySetEvent : IEventDTO
{
    [Parameter("uint256", "id", 1, true)] public BigInteger Id { get; set; }
    [Parameter("uint8", "workerStakePercent", 2, false)] public byte WorkerStakePercent { get; set; }
    [Parameter("uint8", "schedulerSharePercent", 3, false)] public byte SchedulerSharePercent { get; set; }
    [Parameter("bool", "acceptsCallbacks", 4, false)] public bool AcceptsCallbacks { get; set; }
}

[Event("SchedulerChanged")]
public sealed class SchedulerChangedEvent : IEventDTO
{
    [Parameter("uint256", "id", 1, true)] public BigInteger Id { get; set; }
    [Parameter("address", "scheduler", 2, false)] public string Scheduler { get; set; } = "";
}

/// <summary>Funds seized in a deal: slashed worker stakes at settlement, or the pool's stake of refunded tasks.</summary>
[Event("Seized")]
public sealed class SeizedEvent : IEventDTO
{
    [Parameter("bytes32", "dealId", 1, true)] public byte[] DealId { get; set; } = [];
    [Parameter("uint256", "amount", 2, false)] public BigInteger Amount { get; set; }
}
