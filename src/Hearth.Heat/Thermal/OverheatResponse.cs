namespace Hearth.Heat;

/// <summary>What the servers do when the tank cannot absorb their heat without exceeding its maximum.</summary>
public enum OverheatResponse
{
    /// <summary>
    /// The servers slow down, then stop, so that the tank takes exactly what it can absorb.
    /// Running tasks progress at the fraction of the step the servers could run.
    /// </summary>
    Throttle,

    /// <summary>
    /// While tasks run, the servers are forced on and the heat the tank cannot take is vented by a dry
    /// cooler ("dumped"). Idle servers still stop: nothing obliges them to run.
    /// </summary>
    Dump,
}
