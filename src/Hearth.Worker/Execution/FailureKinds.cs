using Hearth.Sandbox;

namespace Hearth.Worker.Execution;

/// <summary>The <c>Kind</c> of a failure report: what went wrong, in words a scheduler can branch on (docs/worker.md lists them).</summary>
public static class FailureKinds
{
    /// <summary>The assignment's authorisation was not signed by the pool's scheduler for this worker and task.</summary>
    public const string Unauthorised = "unauthorised";

    /// <summary>The assignment is malformed: task id, checksums, limits.</summary>
    public const string InvalidAssignment = "invalid-assignment";

    /// <summary>The task's deadline passed before the worker could contribute.</summary>
    public const string DeadlinePassed = "deadline-passed";

    /// <summary>A module or dataset could not be downloaded.</summary>
    public const string Download = "download";

    /// <summary>A module's or dataset's bytes do not match the sha256 registered for it.</summary>
    public const string Integrity = "integrity";

    /// <summary>The dataset is a tar archive the worker refuses to unpack (a path out of /in, a link, over the size or entry
    /// limits, malformed): the same on every worker.</summary>
    public const string InvalidDataset = "invalid-dataset";

    /// <summary>The task asks for more output or scratch space than this worker gives (its pool offered more than it is set
    /// up for): given back, for another worker.</summary>
    public const string OverWorkerLimits = "over-worker-limits";

    /// <summary>The app is a bundle the worker refuses: its manifest is invalid, or a part is over its size or the worker's
    /// limit, is not what the manifest says, or is a tree the worker refuses to unpack. The same on every worker.</summary>
    public const string InvalidApp = "invalid-app";

    /// <summary>The app's manifest needs more (memory, scratch, output) than the task's sandbox limits give.</summary>
    public const string AppNeedsUnmet = "app-needs-unmet";

    /// <summary>The result archive could not be uploaded.</summary>
    public const string Upload = "upload";

    /// <summary>The worker restarted and was told not to resume what it held.</summary>
    public const string Restarted = "restarted";

    /// <summary>Something failed inside the worker itself.</summary>
    public const string Internal = "internal";

    /// <summary>The kind of a module that ran and failed (trap, timeout, out of memory, non-zero exit...).</summary>
    public static string Of(SandboxFailureKind failure) => failure switch
    {
        SandboxFailureKind.InvalidModule => "invalid-module",
        SandboxFailureKind.Trap => "trap",
        SandboxFailureKind.Timeout => "timeout",
        SandboxFailureKind.OutOfMemory => "out-of-memory",
        SandboxFailureKind.OutOfFuel => "out-of-fuel",
        SandboxFailureKind.OutputTooLarge => "output-too-large",
        SandboxFailureKind.OutputRejected => "output-rejected",
        SandboxFailureKind.NonZeroExit => "non-zero-exit",
        // The sandbox's own host failed: the worker's fault, not the module's.
        SandboxFailureKind.HostFailed => Internal,
        _ => Internal,
    };
}
