using Hearth.Protocol.WorkerApi;

namespace Hearth.Worker.State;

/// <summary>
/// A replicate the worker holds, as persisted: the assignment itself (enough to run it again) and, once the result is
/// uploaded and signed, the contribution still to be delivered.
/// </summary>
public sealed record HeldReplicate(Assignment Assignment, DateTimeOffset AcceptedAt, ContributionReport? Contribution = null)
{
    public string ReplicateId => Assignment.ReplicateId;
}
