namespace Hearth.Sandbox;

/// <summary>Where a runner runs modules without a fuel budget (metered runs always run in its own process).</summary>
public enum SandboxIsolation
{
    /// <summary>
    /// In sandbox host processes kept ready by the runner, compiled without epoch
    /// interruption, so at native speed; the runner ends the host's process at the time
    /// limit, on cancellation or when the output grows too large, which also stops a
    /// module blocked in a host call, and contains a crash of the runtime.
    /// </summary>
    ChildProcess = 0,

    /// <summary>
    /// In the runner's process, compiled with epoch interruption: no process to start,
    /// but tight loops run about 1.8× slower, and a module blocked in a host call (a
    /// sleep) is stopped only when the call returns.
    /// </summary>
    InProcess = 1,
}
