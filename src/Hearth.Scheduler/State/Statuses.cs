namespace Hearth.Scheduler.State;

/// <summary>A deal as this scheduler sees it.</summary>
public enum DealStatus
{
    /// <summary>Its tasks are scheduled and settled.</summary>
    Active,

    /// <summary>The block that created it was reorganised away; nothing of it runs or settles until it reappears.</summary>
    Vanished,

    /// <summary>Recorded but never scheduled (another scheduler, too large): the reason says why.</summary>
    Refused,
}

public enum TaskStatus
{
    Pending,
    Running,
    Contributed,
    ConsensusReached,
    Settling,
    Settled,
    Failed,
}

public enum ReplicateStatus
{
    Assigned,
    Downloading,
    Running,
    Uploading,
    Contributed,
    Agreed,
    Disagreed,
    Failed,
    Abandoned,
    Cancelled,
}
