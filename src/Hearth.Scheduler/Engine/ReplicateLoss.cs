using Hearth.Scheduler.Persistence;
using Hearth.Scheduler.State;
using Microsoft.EntityFrameworkCore;
using TaskStatus = Hearth.Scheduler.State.TaskStatus;

namespace Hearth.Scheduler.Engine;

/// <summary>A replicate its worker will not finish: abandoned, and its task made to want work again. Callers hold the gate.</summary>
internal static class ReplicateLoss
{
    public static async Task AbandonAsync(SchedulerDb db, ReplicateEntity replicate, string why, long nowMs, CancellationToken ct)
    {
        ReplicateStateMachine.Move(db, replicate, ReplicateStatus.Abandoned, why, nowMs);
        var task = await db.Tasks.SingleAsync(t => t.TaskId == replicate.TaskId, ct);
        if (!TaskStateMachine.WantsWork(task.Status)) return;
        var othersActive = await db.Replicates.AnyAsync(r => r.TaskId == task.TaskId && r.ReplicateId != replicate.ReplicateId && ReplicateStateMachine.ActiveStatuses.Contains(r.Status), ct);
        var contributed = await db.Replicates.AnyAsync(r => r.TaskId == task.TaskId && r.Digest != null, ct);
        if (task.Status == TaskStatus.Running && !othersActive && !contributed) TaskStateMachine.Move(db, task, TaskStatus.Pending, why, nowMs);
        else TaskStateMachine.Explain(db, task, why, nowMs);
    }
}
