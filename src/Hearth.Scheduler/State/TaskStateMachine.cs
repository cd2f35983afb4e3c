using Hearth.Scheduler.Persistence;

namespace Hearth.Scheduler.State;

/// <summary>
/// The only place a task's status changes. Pending → Running → (Contributed) → ConsensusReached → Settling → Settled,
/// or Failed (deadline passed, no consensus possible, the chain refused it for good). Every change is recorded with its reason.
/// </summary>
public static class TaskStateMachine
{
    public const string Entity = "task";

    private static readonly Dictionary<TaskStatus, TaskStatus[]> Allowed = new()
    {
        [TaskStatus.Pending] = [TaskStatus.Running, TaskStatus.Failed],
        // Back to Pending when every replicate was lost before any contribution.
        [TaskStatus.Running] = [TaskStatus.Pending, TaskStatus.Contributed, TaskStatus.ConsensusReached, TaskStatus.Failed],
        [TaskStatus.Contributed] = [TaskStatus.ConsensusReached, TaskStatus.Failed],
        // Back to Contributed when a contributor's stake no longer backs its contribution and the rest do not agree enough;
        // Settled when the chain shows it settled by an earlier attempt whose receipt was not seen.
        [TaskStatus.ConsensusReached] = [TaskStatus.Settling, TaskStatus.Settled, TaskStatus.Contributed, TaskStatus.Failed],
        // Back from Settling when the transaction was refused, was not mined in time, or the chain judged the consensus
        // differently; Settled or Failed (deadline, refund) only as the chain says once anything may have been sent.
        [TaskStatus.Settling] = [TaskStatus.Settled, TaskStatus.ConsensusReached, TaskStatus.Contributed, TaskStatus.Failed],
        // Back to Settling when the block of its settlement was reorganised away: the chain says again what became of it.
        [TaskStatus.Settled] = [TaskStatus.Settling],
        [TaskStatus.Failed] = [],
    };

    public static bool CanMove(TaskStatus from, TaskStatus to) => Allowed[from].Contains(to);

    public static bool IsFinal(TaskStatus status) => Allowed[status].Length == 0;

    /// <summary>Statuses in which a task may get new replicates.</summary>
    public static bool WantsWork(TaskStatus status) => status is TaskStatus.Pending or TaskStatus.Running or TaskStatus.Contributed;

    public static void Move(SchedulerDb db, TaskEntity task, TaskStatus to, string reason, long nowMs)
    {
        if (!CanMove(task.Status, to))
            throw new InvalidTransitionException($"task {task.TaskId} cannot go from {task.Status} to {to} ({reason})");
        History.Record(db, Entity, task.TaskId, task.Status.ToString(), to.ToString(), reason, nowMs);
        task.Status = to;
        task.Reason = History.Clip(reason);
        task.UpdatedAtMs = nowMs;
    }

    /// <summary>Records a new explanation of an unchanged status ("needs 1 more agreeing contribution"), once.</summary>
    public static void Explain(SchedulerDb db, TaskEntity task, string reason, long nowMs)
    {
        if (task.Reason == reason) return;
        History.Record(db, Entity, task.TaskId, task.Status.ToString(), task.Status.ToString(), reason, nowMs);
        task.Reason = History.Clip(reason);
        task.UpdatedAtMs = nowMs;
    }
}
