namespace Hearth.Sandbox.Execution.Protocol;

/// <summary>
/// The messages of the sandbox host protocol. A host says <see cref="Ready"/> once;
/// then, for each <see cref="Run"/> from the runner, it answers <see cref="Started"/>,
/// any number of <see cref="Console"/>, and one <see cref="Finished"/>, unless the
/// runner ends the process first; or, for a run without the module's bytes that the
/// host has no compiled copy of, <see cref="ModuleNeeded"/> alone.
/// </summary>
internal enum HostMessageType : byte
{
    /// <summary>Host to runner: the engine is up; carries the protocol version.</summary>
    Ready = 1,

    /// <summary>
    /// Runner to host: run this module (a <see cref="ModuleInvocation"/>). The module's bytes
    /// may be left out when the host ran the module before: it keeps compiled modules.
    /// </summary>
    Run = 2,

    /// <summary>Host to runner: the module's code starts now; its time limit counts from here.</summary>
    Started = 3,

    /// <summary>Host to runner: the module wrote to stdout or stderr (the kept bytes and the length written).</summary>
    Console = 4,

    /// <summary>Host to runner: the module ended (a <see cref="ModuleOutcome"/>); the host takes the next run.</summary>
    Finished = 5,

    /// <summary>
    /// Host to runner: the run came without the module's bytes and the host has no compiled
    /// copy of it; nothing ran, and the host takes the same run again with the bytes.
    /// </summary>
    ModuleNeeded = 6,
}

/// <summary>Which console stream a <see cref="HostMessageType.Console"/> message is about.</summary>
internal enum ConsoleStream : byte
{
    Stdout = 1,
    Stderr = 2,
}
