using Wasmtime;

namespace Hearth.Sandbox;

/// <summary>What happened inside the module, before /out is looked at.</summary>
internal sealed record ModuleOutcome(
    SandboxFailureKind Failure,
    string? Reason,
    int? ExitCode,
    ulong? FuelConsumed,
    TimeSpan WallTime,
    bool Cancelled);

/// <summary>
/// Instantiates and runs one module on the calling thread, which blocks until the
/// module ends. Everything that touches the store stays on this thread, as
/// Wasmtime requires.
/// </summary>
internal static class ModuleRun
{
    // Tables can grow without touching linear memory; this bounds them to a few MB.
    private const uint MaxTableElements = 1_000_000;

    public static ModuleOutcome Execute(
        Engine engine,
        Module module,
        SandboxLimits limits,
        WasiConfiguration wasi,
        RunGuard guard,
        CancellationToken cancellationToken)
    {
        if (!module.Exports.Any(export => export is FunctionExport { Name: "_start" }))
        {
            return Failed(SandboxFailureKind.InvalidModule, "not a WASI command: the module exports no _start function");
        }

        using var linker = new Linker(engine);
        linker.DefineWasi();
        using var store = new Store(engine);
        store.SetLimits(memorySize: limits.MemoryBytes, tableElements: MaxTableElements);
        store.SetWasiConfiguration(wasi);
        if (limits.Fuel is { } fuel)
        {
            store.Fuel = fuel;
        }
        store.SetEpochDeadline(1);
        store.SetEpochDeadlineCallback(_ => guard.OnEpochDeadline());

        Instance instance;
        try
        {
            instance = linker.Instantiate(store, module);
        }
        catch (WasmtimeException exception)
        {
            var message = FirstLine(exception.Message);
            return message.Contains("memory", StringComparison.OrdinalIgnoreCase) && message.Contains("limit", StringComparison.OrdinalIgnoreCase)
                ? Failed(SandboxFailureKind.OutOfMemory, $"the module's initial memory exceeds the {limits.MemoryBytes} B limit: {message}")
                : Failed(SandboxFailureKind.InvalidModule, $"cannot instantiate the module: {message}");
        }
        var start = instance.GetAction("_start");
        if (start is null)
        {
            return Failed(SandboxFailureKind.InvalidModule, "not a WASI command: _start takes parameters or returns values");
        }

        guard.Start(cancellationToken);
        WasmtimeException? thrown = null;
        try
        {
            start();
        }
        catch (WasmtimeException exception)
        {
            thrown = exception;
        }
        var wallTime = guard.Elapsed;
        guard.Dispose();

        ulong? fuelConsumed = limits.Fuel is { } budget ? budget - store.Fuel : null;
        var outcome = Classify(thrown, guard, instance, limits);
        return outcome with { FuelConsumed = fuelConsumed, WallTime = wallTime };
    }

    private static ModuleOutcome Classify(WasmtimeException? thrown, RunGuard guard, Instance instance, SandboxLimits limits)
    {
        // A stop the guard asked for explains whatever the module did after it.
        if (guard.StopReason is { } stop)
        {
            return guard.Cancelled
                ? new ModuleOutcome(SandboxFailureKind.None, stop.Reason, null, null, default, Cancelled: true)
                : Failed(stop.Kind, stop.Reason);
        }
        if (thrown is null)
        {
            return new ModuleOutcome(SandboxFailureKind.None, null, 0, null, default, false);
        }
        if (thrown is TrapException { Type: TrapCode.OutOfFuel })
        {
            return Failed(SandboxFailureKind.OutOfFuel, $"the fuel budget of {limits.Fuel} was spent");
        }

        var exitCode = thrown.ExitCode;
        if (exitCode == 0)
        {
            return new ModuleOutcome(SandboxFailureKind.None, null, 0, null, default, false);
        }
        var what = exitCode is { } code ? $"exited with code {code}" : $"trapped: {Cause(thrown)}";

        // Growth past the limit is refused, not trapped, so the module fails in its
        // own way afterwards. Wasmtime's .NET API tells no refusal, so a memory
        // within an eighth of the limit is taken as the cause (a module refused one
        // huge allocation far below the limit shows as a plain trap or exit).
        var memory = instance.GetMemory("memory");
        if (memory is not null && memory.GetLength() + limits.MemoryBytes / 8 > limits.MemoryBytes)
        {
            return Failed(SandboxFailureKind.OutOfMemory,
                $"memory reached {memory.GetLength()} B of the {limits.MemoryBytes} B limit and the module {what}") with { ExitCode = exitCode };
        }
        return exitCode is not null
            ? Failed(SandboxFailureKind.NonZeroExit, $"the module {what}") with { ExitCode = exitCode }
            : Failed(SandboxFailureKind.Trap, $"the module {what}");
    }

    private static ModuleOutcome Failed(SandboxFailureKind kind, string reason) =>
        new(kind, reason, null, null, default, false);

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
