using Hearth.Scheduler.Persistence;

namespace Hearth.Scheduler.State;

/// <summary>
/// The only place a replicate's status changes. Assigned → Downloading → Running → Uploading → Contributed → Agreed | Disagreed,
/// with stages skippable forward; Failed (the worker gave it back), Abandoned (heartbeat lost), Cancelled (no longer needed).
/// </summary>
public static class ReplicateStateMachine
{
    public const string Entity = "replicate";

    private static readonly ReplicateStatus[] Stops = [ReplicateStatus.Failed, ReplicateStatus.Abandoned, ReplicateStatus.Cancelled];

    private static readonly Dictionary<ReplicateStatus, ReplicateStatus[]> Allowed = new()
    {
        [ReplicateStatus.Assigned] = [ReplicateStatus.Downloading, ReplicateStatus.Running, ReplicateStatus.Uploading, ReplicateStatus.Contributed, .. Stops],
        [ReplicateStatus.Downloading] = [ReplicateStatus.Running, ReplicateStatus.Uploading, ReplicateStatus.Contributed, .. Stops],
        [ReplicateStatus.Running] = [ReplicateStatus.Uploading, ReplicateStatus.Contributed, .. Stops],
        [ReplicateStatus.Uploading] = [ReplicateStatus.Contributed, .. Stops],
        [ReplicateStatus.Contributed] = [ReplicateStatus.Agreed, ReplicateStatus.Disagreed],
        // A judgement can be revised when the chain decides otherwise than predicted (scores moved between).
        [ReplicateStatus.Agreed] = [ReplicateStatus.Contributed],
        [ReplicateStatus.Disagreed] = [ReplicateStatus.Contributed],
        [ReplicateStatus.Failed] = [],
        [ReplicateStatus.Abandoned] = [],
        [ReplicateStatus.Cancelled] = [],
    };

    public static bool CanMove(ReplicateStatus from, ReplicateStatus to) => Allowed[from].Contains(to);

    /// <summary>Still running on its worker: it holds a slot and may yet contribute.</summary>
    public static bool IsActive(ReplicateStatus s) => s is ReplicateStatus.Assigned or ReplicateStatus.Downloading or ReplicateStatus.Running or ReplicateStatus.Uploading;

    public static bool HasContribution(ReplicateStatus s) => s is ReplicateStatus.Contributed or ReplicateStatus.Agreed or ReplicateStatus.Disagreed;

    public static readonly ReplicateStatus[] ActiveStatuses =
        [ReplicateStatus.Assigned, ReplicateStatus.Downloading, ReplicateStatus.Running, ReplicateStatus.Uploading];

    public static void Move(SchedulerDb db, ReplicateEntity replicate, ReplicateStatus to, string reason, long nowMs)
    {
        if (!CanMove(replicate.Status, to))
            throw new InvalidTransitionException($"replicate {replicate.ReplicateId} cannot go from {replicate.Status} to {to} ({reason})");
        History.Record(db, Entity, replicate.ReplicateId, replicate.Status.ToString(), to.ToString(), reason, nowMs);
        replicate.Status = to;
        replicate.Reason = History.Clip(reason);
        replicate.UpdatedAtMs = nowMs;
    }

    /// <summary>Records a new replicate in its first status.</summary>
    public static void Created(SchedulerDb db, ReplicateEntity replicate, string reason, long nowMs)
    {
        replicate.Status = ReplicateStatus.Assigned;
        replicate.Reason = History.Clip(reason);
        replicate.AssignedAtMs = replicate.UpdatedAtMs = nowMs;
        History.Record(db, Entity, replicate.ReplicateId, null, ReplicateStatus.Assigned.ToString(), reason, nowMs);
    }
}
