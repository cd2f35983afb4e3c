using Hearth.Scheduler.Persistence;
using Hearth.Scheduler.State;

namespace Hearth.Scheduler.Replication;

/// <summary>
/// What a task's replicates use up. Against the contract's cap (<see cref="Protocol.Deals.ConsensusRule.MaxContributions"/>)
/// count only contributions and live replicates: a replicate lost to the infrastructure produced nothing the chain will
/// see. A worker holding or having contributed to a task never gets it again (replication needs independent workers);
/// a worker whose replicate was lost to the infrastructure (a download, an upload, the worker itself, a restart, silence)
/// may, after <see cref="SchedulerOptions.ReplicateRetryDelayMs"/>; a worker whose replicate failed for a reason of the
/// task's own (the module ran past the time limit, the assets do not match their checksums, the assignment was refused)
/// does not, as it would fail the same way. (A module that traps or exits non-zero is not a failure report: its
/// failure record is its contribution, Protocol.Deals.AppFailure.) The kind is the one the worker reported, kept in its
/// own column. Every replicate, lost or not, counts against
/// <see cref="SchedulerOptions.MaxReplicatesPerTask"/>, so a task cannot loop for ever.
/// </summary>
public static class ReplicateBudget
{
    /// <summary>Failure kinds (as workers report them, docs/worker.md) that say nothing about the task itself.</summary>
    public static readonly IReadOnlySet<string> InfrastructureKinds = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "download", "upload", "internal", "restarted" };

    /// <summary>Whether the replicate counts against the contract's cap of contributions: it contributed, or still may.</summary>
    public static bool Counts(ReplicateEntity r) => ReplicateStateMachine.IsActive(r.Status) || ReplicateStateMachine.HasContribution(r.Status);

    /// <summary>Whether the replicate was lost to the infrastructure: its worker may be given the task again.</summary>
    public static bool LostToInfrastructure(ReplicateEntity r) =>
        r.Status == ReplicateStatus.Abandoned || (r.Status == ReplicateStatus.Failed && r.FailureKind is { } kind && InfrastructureKinds.Contains(kind));

    /// <summary>Whether the replicate keeps its worker from ever being given its task again.</summary>
    public static bool BarsWorker(ReplicateEntity r) => r.Status switch
    {
        ReplicateStatus.Failed => !LostToInfrastructure(r),
        // Taken back by the scheduler: the worker did nothing wrong and computed nothing that counts.
        ReplicateStatus.Abandoned or ReplicateStatus.Cancelled => false,
        // Live, or contributed: a worker contributes to a task at most once.
        _ => true,
    };

    /// <summary>The longest failure kind kept (kinds are short words; a longer one is not a kind this scheduler knows).</summary>
    public const int MaxKindLength = 50;
}
