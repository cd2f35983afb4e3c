namespace Hearth.Sandbox;

/// <summary>Why a run did not succeed; <see cref="None"/> when it did.</summary>
public enum SandboxFailureKind
{
    None = 0,

    /// <summary>The bytes are not a valid module, or not a WASI command this sandbox can link.</summary>
    InvalidModule,

    /// <summary>The module trapped (unreachable, out-of-bounds access, stack overflow, ...).</summary>
    Trap,

    /// <summary>The wall-time limit passed.</summary>
    Timeout,

    /// <summary>The module needed more memory than the limit allows.</summary>
    OutOfMemory,

    /// <summary>The fuel budget was spent.</summary>
    OutOfFuel,

    /// <summary>/out, stdout or stderr grew past the output limits.</summary>
    OutputTooLarge,

    /// <summary>/out holds something that cannot go into the archive.</summary>
    OutputRejected,

    /// <summary>The module exited with a non-zero code.</summary>
    NonZeroExit,

    /// <summary>
    /// The sandbox itself failed, not the module: its host process died or broke the host protocol during the run.
    /// The run says nothing about the module; another attempt may succeed.
    /// </summary>
    HostFailed,
}
