using System.Diagnostics;
using Wasmtime;

namespace Hearth.Sandbox.Execution;

/// <summary>
/// Instantiates and runs one compiled module on the calling thread, which blocks until
/// the module ends. Everything that touches the store stays on this thread, as
/// Wasmtime requires.
/// </summary>
internal static class ModuleRun
{
    // Tables can grow without touching linear memory; this bounds them to a few MB.
    private const uint MaxTableElements = 1_000_000;
    // One module instance, one linear memory (multi-memory is off in the engine too), and a few tables (reference types).
    private const long MaxInstances = 1;
    private const long MaxTables = 4;
    private const long MaxMemories = 1;

    public static ModuleOutcome Execute(WasiEngine engine, Module module, ModuleInvocation invocation, WasiConfiguration wasi, IModuleRunHooks hooks)
    {
        if (!module.Exports.Any(export => export is FunctionExport { Name: "_start" }))
        {
            return ModuleOutcome.Failed(SandboxFailureKind.InvalidModule, "not a WASI command: the module exports no _start function");
        }

        using var store = new Store(engine.Engine);
        store.SetLimits(memorySize: invocation.MemoryBytes, tableElements: MaxTableElements, instances: MaxInstances, tables: MaxTables, memories: MaxMemories);
        store.SetWasiConfiguration(wasi);
        if (invocation.Fuel is { } fuel)
        {
            store.Fuel = fuel;
        }
        hooks.PrepareStore(store);

        // Instantiation runs the module's start function, if it has one: its time counts.
        var started = Stopwatch.GetTimestamp();
        hooks.OnStarting();
        Instance instance;
        try
        {
            instance = engine.Linker.Instantiate(store, module);
        }
        catch (WasmtimeException exception)
        {
            var message = FirstLine(exception.Message);
            var outcome = message.Contains("memory", StringComparison.OrdinalIgnoreCase) && message.Contains("limit", StringComparison.OrdinalIgnoreCase)
                ? ModuleOutcome.Failed(SandboxFailureKind.OutOfMemory, $"the module's initial memory exceeds the {invocation.MemoryBytes} B limit: {message}")
                : ModuleOutcome.Failed(SandboxFailureKind.InvalidModule, $"cannot instantiate the module: {message}");
            return outcome with { WallTime = Stopwatch.GetElapsedTime(started) };
        }
        var start = instance.GetAction("_start");
        if (start is null)
        {
            return ModuleOutcome.Failed(SandboxFailureKind.InvalidModule, "not a WASI command: _start takes parameters or returns values");
        }

        WasmtimeException? thrown = null;
        try
        {
            start();
        }
        catch (WasmtimeException exception)
        {
            thrown = exception;
        }
        var wallTime = Stopwatch.GetElapsedTime(started);

        ulong? fuelConsumed = invocation.Fuel is { } budget ? budget - store.Fuel : null;
        return Classify(thrown, instance, invocation) with { FuelConsumed = fuelConsumed, WallTime = wallTime };
    }

    private static ModuleOutcome Classify(WasmtimeException? thrown, Instance instance, ModuleInvocation invocation)
    {
        if (thrown is null)
        {
            return ModuleOutcome.Exited(0);
        }
        if (thrown is TrapException { Type: TrapCode.OutOfFuel })
        {
            return ModuleOutcome.Failed(SandboxFailureKind.OutOfFuel, $"the fuel budget of {invocation.Fuel} was spent");
        }

        var exitCode = thrown.ExitCode;
        if (exitCode == 0)
        {
            return ModuleOutcome.Exited(0);
        }
        var what = exitCode is { } code ? $"exited with code {code}" : $"trapped: {Cause(thrown)}";

        // Growth past the limit is refused, not trapped, so the module fails in its
        // own way afterwards. Wasmtime's .NET API tells no refusal, so a memory
        // within an eighth of the limit is taken as the cause (a module refused one
        // huge allocation far below the limit shows as a plain trap or exit).
        var limit = invocation.MemoryBytes;
        var memory = instance.GetMemory("memory");
        if (memory is not null && memory.GetLength() + limit / 8 > limit)
        {
            return ModuleOutcome.Failed(SandboxFailureKind.OutOfMemory,
                $"memory reached {memory.GetLength()} B of the {limit} B limit and the module {what}") with { ExitCode = exitCode };
        }
        return exitCode is not null
            ? ModuleOutcome.Failed(SandboxFailureKind.NonZeroExit, $"the module {what}") with { ExitCode = exitCode }
            : ModuleOutcome.Failed(SandboxFailureKind.Trap, $"the module {what}");
    }

    /// <summary>The trap's cause ("wasm trap: ..."), which Wasmtime puts after the backtrace, and the innermost function.</summary>
    private static string Cause(WasmtimeException exception)
    {
        var message = exception.Message;
        var causedBy = message.LastIndexOf("Caused by:", StringComparison.Ordinal);
        var cause = causedBy < 0 ? FirstLine(message) : string.Join("; ", message[(causedBy + "Caused by:".Length)..]
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return exception.Frames is [{ FunctionName: { } function }, ..] ? $"{cause} (in {function})" : cause;
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOf('\n', StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).Trim();
    }
}
