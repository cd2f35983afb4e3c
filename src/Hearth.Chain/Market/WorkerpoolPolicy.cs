using Nethereum.ABI.FunctionEncoding.Attributes;

namespace Hearth.Chain.Market;

/// <summary>A pool's owner and its policy, fixed at registration except for the scheduler's key.</summary>
/// <param name="WorkerStakePercent">Stake each contributing worker puts behind a contribution, in % of the pool price
/// (the market's minimum worker stake applies when this is less).</param>
/// <param name="SchedulerSharePercent">Share of the pool price the pool owner keeps.</param>
/// <param name="AcceptsCallbacks">Whether requests with a callback contract may be matched with the pool.</param>
public sealed record WorkerpoolPolicy(string Owner, string Scheduler, byte WorkerStakePercent, byte SchedulerSharePercent, bool AcceptsCallbacks);

[FunctionOutput]
public sealed class PoolInfoOutput : IFunctionOutputDTO
{
    [Parameter("address", "owner", 1)] public string Owner { get; set; } = "";
    [Parameter("tuple", "policy", 2)] public PolicyStruct Policy { get; set; } = new();
}

public sealed class PolicyStruct
{
    [Parameter("address", "scheduler", 1)] public string Scheduler { get; set; } = "";
    [Parameter("uint8", "workerStakePercent", 2)] public byte WorkerStakePercent { get; set; }
    [Parameter("uint8", "schedulerSharePercent", 3)] public byte SchedulerSharePercent { get; set; }
    [Parameter("bool", "acceptsCallbacks", 4)] public bool AcceptsCallbacks { get; set; }
}
