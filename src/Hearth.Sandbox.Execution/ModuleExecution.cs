using System.Diagnostics;
using System.Text;
using Wasmtime;

namespace Hearth.Sandbox.Execution;

/// <summary>
/// Runs one invocation on the calling thread, which blocks until the module ends:
/// loads the compiled module (cache or Cranelift), gives it its WASI view and runs it.
/// The same code runs in the caller's process and in a sandbox host.
/// </summary>
internal static class ModuleExecution
{
    /// <summary>
    /// The outcome of the run; null, without running anything, when the invocation carries no
    /// module bytes and no compiled copy of the module is cached here.
    /// </summary>
    public static ModuleOutcome? Run(WasiEngine engine, ModuleCache cache, ModuleInvocation invocation, IModuleRunHooks hooks)
    {
        Module? module;
        ModuleSource source;
        var loading = Stopwatch.StartNew();
        try
        {
            module = invocation.Module is { } wasm
                ? cache.GetOrLoad(engine, ToBinary(wasm), invocation.ModuleSha256, out source)
                : cache.GetCompiled(engine, invocation.ModuleSha256, out source);
        }
        catch (WasmtimeException exception)
        {
            return ModuleOutcome.Failed(SandboxFailureKind.InvalidModule, $"not a valid WebAssembly module: {Summary(exception.Message)}");
        }
        if (module is null)
        {
            return null;
        }
        var loadTime = loading.Elapsed;
        return ModuleRun.Execute(engine, module, invocation, Wasi(invocation, hooks), hooks) with { Source = source, LoadTime = loadTime };
    }

    /// <summary>Binary modules pass as they are; anything else is tried as the text format (WAT).</summary>
    public static byte[] ToBinary(byte[] wasm) =>
        wasm.AsSpan().StartsWith("\0asm"u8) ? wasm : Module.ConvertText(Encoding.UTF8.GetString(wasm));

    /// <summary>
    /// The module's arguments and environment, /in, /out and /tmp, its console into the hooks; nothing else of the host.
    /// /tmp comes after them so /in and /out keep their descriptors (3 and 4); it is 5. A bundle's read-only trees follow
    /// from 6, in the manifest's order.
    /// </summary>
    private static WasiConfiguration Wasi(ModuleInvocation invocation, IModuleRunHooks hooks)
    {
        var wasi = new WasiConfiguration()
            .WithArgs([invocation.ProgramName, .. invocation.Arguments])
            .WithEnvironmentVariables(invocation.Environment.Select(pair => (pair.Key, pair.Value)))
            .WithPreopenedDirectory(invocation.InputDirectory, "/in", mutable: false)
            .WithPreopenedDirectory(invocation.OutputDirectory, "/out", mutable: true)
            .WithPreopenedDirectory(invocation.ScratchDirectory, "/tmp", mutable: true);
        foreach (var (guest, host) in invocation.ReadOnlyMounts)
        {
            // Not mutable: read-only permissions on the folder and on every file under it.
            wasi = wasi.WithPreopenedDirectory(host, guest, mutable: false);
        }
        return wasi
            .WithStandardOutputCallback(hooks.OnStandardOutput)
            .WithStandardErrorCallback(hooks.OnStandardError);
    }

    /// <summary>Wasmtime's first line says what failed and its last "Caused by" line why: both, on one line.</summary>
    private static string Summary(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0) return "no reason given";
        return lines.Length == 1 || lines[^1] == lines[0] ? lines[0] : $"{lines[0]}: {lines[^1]}";
    }
}
