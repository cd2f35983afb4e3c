using Hearth.Protocol.WorkerApi;

namespace Hearth.Worker.State;

/// <summary>
/// A replicate the worker holds, as persisted: the assignment itself (enough to run it again) and, once it ended, the
/// report still to be delivered: the contribution (result uploaded and signed) or the failure that gives it back.
/// </summary>
public sealed record HeldReplicate(Assignment Assignment, DateTimeOffset AcceptedAt, ContributionReport? Contribution = null, FailureReport? Failure = null)
{
    public string ReplicateId => Assignment.ReplicateId;

    /// <summary>It ended: only its report is left to deliver.</summary>
    public bool Ended => Contribution is not null || Failure is not null;
}
