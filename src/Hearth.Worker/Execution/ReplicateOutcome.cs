using Hearth.Protocol.WorkerApi;

namespace Hearth.Worker.Execution;

/// <summary>How a replicate ended on this worker.</summary>
/// <param name="Contributed">The scheduler took a contribution.</param>
/// <param name="FailureKind">One of <see cref="FailureKinds"/> when the replicate was given back.</param>
/// <param name="Reason">Why it was given back.</param>
/// <param name="Digest">The result digest, when there was a result.</param>
public sealed record ReplicateOutcome(bool Contributed, string? FailureKind, string? Reason, string? Digest)
{
    /// <summary>The next assignment the scheduler handed back with the contribution's answer, if the worker asked for one.</summary>
    public Assignment? Next { get; init; }

    public static ReplicateOutcome Contribution(string digest, bool accepted, Assignment? next = null) => new(accepted, null, null, digest) { Next = next };

    public static ReplicateOutcome Failure(string kind, string reason) => new(false, kind, reason, null);
}
