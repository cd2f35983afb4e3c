namespace Hearth.Sandbox.Tests;

/// <summary>Each way a module can misbehave ends in its own failure kind with a reason, and nothing escapes, in a sandbox host and in process.</summary>
public sealed class FaultTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    public static TheoryData<SandboxIsolation> Isolations => SandboxFixture.Isolations;

    [Theory, MemberData(nameof(Isolations))]
    public async Task Trap_is_reported_with_the_trap_message(SandboxIsolation isolation)
    {
        var result = await fixture.RunnerFor(isolation).RunAsync(SandboxFixture.Wat("""
            (module (memory (export "memory") 1) (func (export "_start") unreachable))
            """));

        Assert.Equal(SandboxFailureKind.Trap, result.Failure);
        Assert.Contains("unreachable", result.FailureReason);
        Assert.Null(result.ExitCode);
    }

    [Theory, MemberData(nameof(Isolations))]
    public async Task Infinite_loop_is_stopped_at_the_time_limit(SandboxIsolation isolation)
    {
        var result = await fixture.RunnerFor(isolation).RunAsync(SandboxFixture.Wat("""
            (module (memory (export "memory") 1) (func (export "_start") (loop $forever (br $forever))))
            """, SandboxFixture.Limits(wallTimeMs: 300)));

        Assert.Equal(SandboxFailureKind.Timeout, result.Failure);
        Assert.Contains("300 ms", result.FailureReason);
        Assert.InRange(result.WallTime, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(10));
    }

    [Theory, MemberData(nameof(Isolations))]
    public async Task Endless_start_function_is_stopped_at_the_time_limit(SandboxIsolation isolation)
    {
        // The start function runs while the module is instantiated, before _start.
        var result = await fixture.RunnerFor(isolation).RunAsync(SandboxFixture.Wat("""
            (module
              (memory (export "memory") 1)
              (func $spin (loop $forever (br $forever)))
              (start $spin)
              (func (export "_start")))
            """, SandboxFixture.Limits(wallTimeMs: 300)));

        Assert.Equal(SandboxFailureKind.Timeout, result.Failure);
        Assert.Contains("300 ms", result.FailureReason);
    }

    [Theory, MemberData(nameof(Isolations))]
    public async Task Growing_memory_past_the_limit_is_out_of_memory(SandboxIsolation isolation)
    {
        var result = await fixture.RunnerFor(isolation).RunAsync(SandboxFixture.Wat("""
            (module
              (memory (export "memory") 1)
              (func (export "_start")
                (block $refused
                  (loop $grow
                    (br_if $refused (i32.eq (memory.grow (i32.const 16)) (i32.const -1)))
                    (br $grow)))
                unreachable))
            """, SandboxFixture.Limits(memoryBytes: 16L << 20)));

        Assert.Equal(SandboxFailureKind.OutOfMemory, result.Failure);
        Assert.Contains("16777216 B limit", result.FailureReason);
    }

    /// <summary>The memory limit applies to each linear memory: a module declaring eight would take it eight times over.</summary>
    [Theory, MemberData(nameof(Isolations))]
    public async Task A_module_with_many_memories_is_refused(SandboxIsolation isolation)
    {
        var memories = string.Concat(Enumerable.Range(0, 8).Select(i => $"(memory $m{i} 1)"));
        var grows = string.Concat(Enumerable.Range(0, 8).Select(i => $"(drop (memory.grow $m{i} (i32.const 255)))"));
        var result = await fixture.RunnerFor(isolation).RunAsync(SandboxFixture.Wat($$"""
            (module {{memories}} (export "memory" (memory $m0)) (func (export "_start") {{grows}}))
            """, SandboxFixture.Limits(memoryBytes: 16L << 20)));

        Assert.Equal(SandboxFailureKind.InvalidModule, result.Failure);
        Assert.Contains("memor", result.FailureReason, StringComparison.OrdinalIgnoreCase);
    }

    [Theory, MemberData(nameof(Isolations))]
    public async Task Initial_memory_above_the_limit_is_out_of_memory(SandboxIsolation isolation)
    {
        var result = await fixture.RunnerFor(isolation).RunAsync(SandboxFixture.Wat("""
            (module (memory (export "memory") 1024) (func (export "_start")))
            """, SandboxFixture.Limits(memoryBytes: 16L << 20)));

        Assert.Equal(SandboxFailureKind.OutOfMemory, result.Failure);
    }

    [Theory, MemberData(nameof(Isolations))]
    public async Task Writing_without_end_is_stopped_before_the_disk_fills(SandboxIsolation isolation)
    {
        var workDirectory = fixture.OptionsFor(isolation).WorkDirectory;
        var result = await fixture.RunnerFor(isolation).RunAsync(new SandboxRequest
        {
            ModulePath = SandboxFixture.Hostile("flood"),
            Limits = SandboxFixture.Limits(outputBytes: 32L << 20),
        });

        Assert.Equal(SandboxFailureKind.OutputTooLarge, result.Failure);
        Assert.Contains("33554432 B output limit", result.FailureReason);
        Assert.Empty(result.OutputArchive);
        Assert.Null(result.OutputArchiveSha256);
        // Stopped within seconds (not at the 30 s time limit), and nothing it wrote is left.
        Assert.True(result.WallTime < TimeSpan.FromSeconds(20), $"took {result.WallTime}");
        Assert.Empty(Directory.EnumerateFiles(workDirectory, "*", SearchOption.AllDirectories));
    }

    [Theory, MemberData(nameof(Isolations))]
    public async Task Flooding_stdout_is_stopped_and_the_capture_truncated(SandboxIsolation isolation)
    {
        var result = await fixture.RunnerFor(isolation).RunAsync(SandboxFixture.Wat("""
            (module
              (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
              (memory (export "memory") 1)
              ;; one iovec at 0: 4096 bytes from address 1024
              (data (i32.const 0) "\00\04\00\00\00\10\00\00")
              (func (export "_start")
                (loop $again (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16))) (br $again))))
            """, SandboxFixture.Limits(outputBytes: 8L << 20)));

        Assert.Equal(SandboxFailureKind.OutputTooLarge, result.Failure);
        Assert.Contains("stdout and stderr", result.FailureReason);
        Assert.True(result.StdoutTruncated);
        Assert.Equal(16 * 1024, result.Stdout.Length);
    }

    [Theory, MemberData(nameof(Isolations))]
    public async Task Non_zero_exit_reports_the_code(SandboxIsolation isolation)
    {
        var result = await fixture.RunnerFor(isolation).RunAsync(SandboxFixture.Wat("""
            (module
              (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
              (memory (export "memory") 1)
              (func (export "_start") (call $exit (i32.const 3))))
            """));

        Assert.Equal(SandboxFailureKind.NonZeroExit, result.Failure);
        Assert.Equal(3, result.ExitCode);
        Assert.Contains("code 3", result.FailureReason);
        Assert.NotNull(result.OutputArchiveSha256);
    }

    [Theory, MemberData(nameof(Isolations))]
    public async Task Bytes_that_are_not_wasm_are_an_invalid_module(SandboxIsolation isolation)
    {
        var result = await fixture.RunnerFor(isolation).RunAsync(new SandboxRequest { ModuleBytes = "MZ\x90\0 not a module"u8.ToArray() },
            CancellationToken.None);

        Assert.Equal(SandboxFailureKind.InvalidModule, result.Failure);
        Assert.StartsWith("not a valid WebAssembly module", result.FailureReason);
    }

    [Theory, MemberData(nameof(Isolations))]
    public async Task Module_without_start_or_with_unknown_imports_is_invalid(SandboxIsolation isolation)
    {
        var noStart = await fixture.RunnerFor(isolation).RunAsync(SandboxFixture.Wat("(module (func (export \"main\")))"));
        var unknownImport = await fixture.RunnerFor(isolation).RunAsync(SandboxFixture.Wat("""
            (module (import "env" "open_socket" (func)) (func (export "_start")))
            """));

        Assert.Equal(SandboxFailureKind.InvalidModule, noStart.Failure);
        Assert.Contains("_start", noStart.FailureReason);
        Assert.Equal(SandboxFailureKind.InvalidModule, unknownImport.Failure);
        Assert.Contains("open_socket", unknownImport.FailureReason);
    }

    [Theory, MemberData(nameof(Isolations))]
    public async Task Paths_outside_in_and_out_are_denied_and_the_dataset_is_untouched(SandboxIsolation isolation)
    {
        var dataset = Directory.CreateDirectory(Path.Combine(fixture.Root, $"escape-dataset-{isolation}")).FullName;
        var data = Path.Combine(dataset, "data.txt");
        await File.WriteAllTextAsync(data, "the dataset\n");

        var result = await fixture.RunnerFor(isolation).RunAsync(new SandboxRequest
        {
            ModulePath = SandboxFixture.Hostile("escape"),
            InputPath = dataset,
            Limits = SandboxFixture.Limits(),
        });

        var report = SandboxFixture.Text(result.Stdout);
        Assert.True(result.Succeeded, $"{result.Failure}: {result.FailureReason}\n{report}");
        Assert.DoesNotContain("ALLOWED", report);
        Assert.Contains("read /in/data.txt: ok", report);
        Assert.Equal("the dataset\n", await File.ReadAllTextAsync(data));
        Assert.Equal(["data.txt"], Directory.GetFileSystemEntries(dataset).Select(Path.GetFileName));
        Assert.False(File.Exists("/tmp/hearth-escape"));
    }

    [Theory, MemberData(nameof(Isolations))]
    public async Task Socket_calls_are_denied(SandboxIsolation isolation)
    {
        var result = await fixture.RunnerFor(isolation).RunAsync(new SandboxRequest
        {
            ModulePath = SandboxFixture.Hostile("sockets"),
            Limits = SandboxFixture.Limits(),
        });

        var report = SandboxFixture.Text(result.Stdout);
        Assert.True(result.Succeeded, $"{result.Failure}: {result.FailureReason}\n{report}");
        Assert.Contains("socket calls allowed: 0", report);
    }

    [Theory, MemberData(nameof(Isolations))]
    public async Task Cancellation_interrupts_the_module(SandboxIsolation isolation)
    {
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fixture.RunnerFor(isolation).RunAsync(SandboxFixture.Wat("""
            (module (memory (export "memory") 1) (func (export "_start") (loop $forever (br $forever))))
            """), cancellation.Token));
    }
}
