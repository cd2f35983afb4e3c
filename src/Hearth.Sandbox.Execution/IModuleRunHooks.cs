using Wasmtime;

namespace Hearth.Sandbox.Execution;

/// <summary>
/// What differs between running a module in the caller's process and in a sandbox
/// host: how it can be stopped, how the clock starts, where its console output goes.
/// </summary>
internal interface IModuleRunHooks
{
    /// <summary>Called with the new store before anything runs, e.g. to arm an epoch deadline.</summary>
    void PrepareStore(Store store);

    /// <summary>Called just before the module's code first runs (instantiation, then <c>_start</c>): its time starts here.</summary>
    void OnStarting();

    /// <summary>Receives what the module writes to stdout, on a thread of Wasmtime's own.</summary>
    void OnStandardOutput(ReadOnlySpan<byte> data);

    /// <summary>Receives what the module writes to stderr, on a thread of Wasmtime's own.</summary>
    void OnStandardError(ReadOnlySpan<byte> data);
}
