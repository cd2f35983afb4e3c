using Hearth.Scheduler.Persistence;

namespace Hearth.Scheduler.State;

/// <summary>Appends to the status history that the read API shows.</summary>
internal static class History
{
    public static void Record(SchedulerDb db, string entity, string id, string? from, string to, string reason, long atMs) =>
        db.StatusChanges.Add(new StatusChangeEntity { Entity = entity, EntityId = id, From = from, To = to, Reason = Clip(reason), AtMs = atMs });

    /// <summary>Reasons can quote the chain's or a worker's text: keep them readable and bounded.</summary>
    public static string Clip(string reason) => reason.Length <= 1_000 ? reason : reason[..997] + "...";
}

/// <summary>A transition that the state machine does not allow: a bug, or a request that came too late.</summary>
public sealed class InvalidTransitionException(string message) : InvalidOperationException(message);
