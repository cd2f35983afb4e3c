using Microsoft.Extensions.Options;

namespace Hearth.Sandbox.Tests;

/// <summary>
/// Every run has a writable /tmp of its own: bounded by <see cref="SandboxLimits.ScratchBytes"/> and
/// <see cref="SandboxLimits.ScratchEntries"/>, never archived, emptied before its folder serves another run, and no
/// way out of it; in a sandbox host and in process.
/// </summary>
public sealed class ScratchTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    public static TheoryData<SandboxIsolation> Isolations => SandboxFixture.Isolations;

    // WASI preview1 descriptors of the preopens, in the order the sandbox opens them.
    private const int In = 3, Out = 4, Tmp = 5;

    private const int Enoent = 44;

    /// <summary>
    /// A module with WASI imports and helpers: <c>$ok</c> exits with the errno of a failed call, <c>$open</c> opens
    /// (dir, path, length, oflags) for reading and writing and returns the descriptor, <c>$write</c> and <c>$read</c>
    /// move (fd, address, length) bytes. Addresses 0–31 are the helpers' own; <paramref name="data"/> and
    /// <paramref name="body"/> use the rest.
    /// </summary>
    private static byte[] Module(string data, string body, string locals = "") => Wasmtime.Module.ConvertText($$"""
        (module
          (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_pwrite" (func $fd_pwrite (param i32 i32 i32 i64 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
          (import "wasi_snapshot_preview1" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "path_symlink" (func $symlink (param i32 i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "path_link" (func $link (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          {{data}}
          (func $ok (param $errno i32)
            (if (local.get $errno) (then (call $exit (local.get $errno)))))
          ;; errno of opening (dir, path, length, oflags) with symlinks followed; the descriptor goes to address 12
          (func $try_open (param $dir i32) (param $path i32) (param $length i32) (param $oflags i32) (result i32)
            (call $path_open (local.get $dir) (i32.const 1) (local.get $path) (local.get $length) (local.get $oflags)
              (i64.const 0x66) (i64.const 0x66) (i32.const 0) (i32.const 12)))
          (func $open (param $dir i32) (param $path i32) (param $length i32) (param $oflags i32) (result i32)
            (call $ok (call $try_open (local.get $dir) (local.get $path) (local.get $length) (local.get $oflags)))
            (i32.load (i32.const 12)))
          (func $write (param $fd i32) (param $address i32) (param $length i32)
            (i32.store (i32.const 0) (local.get $address))
            (i32.store (i32.const 4) (local.get $length))
            (call $ok (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))
          (func $read (param $fd i32) (param $address i32) (param $length i32) (result i32)
            (i32.store (i32.const 0) (local.get $address))
            (i32.store (i32.const 4) (local.get $length))
            (call $ok (call $fd_read (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)))
            (i32.load (i32.const 8)))
          (func (export "_start") {{locals}}
            {{body}}))
        """);

    private static SandboxRequest Request(byte[] module, SandboxLimits? limits = null, string? input = null) =>
        new() { ModuleBytes = module, Limits = limits ?? SandboxFixture.Limits(), InputPath = input };

    private SandboxOptions Options(string name, SandboxIsolation isolation)
    {
        var options = fixture.NewOptions($"scratch-{name}-{isolation}");
        options.Isolation = isolation;
        return options;
    }

    private static void AssertEveryFolderEmpty(string workDirectory)
    {
        foreach (var folder in Directory.GetDirectories(workDirectory))
        {
            Assert.Equal(["in", "out", "tmp"], Directory.GetFileSystemEntries(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            foreach (var part in Directory.GetDirectories(folder))
            {
                Assert.Empty(Directory.EnumerateFileSystemEntries(part));
            }
        }
    }

    /// <summary>Writes "hello scratch" to /tmp/work/scratch.txt, reads it back and copies what it read to /out/result.txt.</summary>
    private static readonly byte[] WritesAndReadsBack = Module("""
        (data (i32.const 32) "work")
        (data (i32.const 40) "work/scratch.txt")
        (data (i32.const 64) "result.txt")
        (data (i32.const 256) "hello scratch")
        """, $"""
        (call $ok (call $mkdir (i32.const {Tmp}) (i32.const 32) (i32.const 4)))
        (local.set $f (call $open (i32.const {Tmp}) (i32.const 40) (i32.const 16) (i32.const 9)))
        (call $write (local.get $f) (i32.const 256) (i32.const 13))
        (call $ok (call $fd_close (local.get $f)))
        (local.set $f (call $open (i32.const {Tmp}) (i32.const 40) (i32.const 16) (i32.const 0)))
        (local.set $n (call $read (local.get $f) (i32.const 512) (i32.const 64)))
        (local.set $o (call $open (i32.const {Out}) (i32.const 64) (i32.const 10) (i32.const 9)))
        (call $write (local.get $o) (i32.const 512) (local.get $n))
        """, "(local $f i32) (local $n i32) (local $o i32)");

    [Theory, MemberData(nameof(Isolations))]
    public async Task A_module_writes_and_reads_back_a_scratch_file_which_stays_out_of_the_archive(SandboxIsolation isolation)
    {
        var result = await fixture.RunnerFor(isolation).RunAsync(Request(WritesAndReadsBack));

        Assert.True(result.Succeeded, $"{result.Failure}: {result.FailureReason}");
        // Only /out is archived: neither /tmp/work nor its file.
        var entry = Assert.Single(SandboxFixture.ReadArchive(result.OutputArchive));
        Assert.Equal("result.txt", entry.Entry.Name);
        Assert.Equal("hello scratch", entry.Content);
    }

    [Theory, MemberData(nameof(Isolations))]
    public async Task A_scratch_file_is_not_in_a_streamed_archive_either_and_fuel_metered_runs_have_tmp_too(SandboxIsolation isolation)
    {
        var archive = Path.Combine(fixture.Root, $"scratch-streamed-{isolation}.tar");
        var request = Request(WritesAndReadsBack, SandboxFixture.Limits(fuel: 10_000_000)) with { ArchivePath = archive };

        var result = await fixture.RunnerFor(isolation).RunAsync(request);

        Assert.True(result.Succeeded, $"{result.Failure}: {result.FailureReason}");
        Assert.Equal(["result.txt"], SandboxFixture.ReadArchive(await File.ReadAllBytesAsync(archive)).Select(e => e.Entry.Name));
    }

    [Theory, MemberData(nameof(Isolations))]
    public async Task The_next_run_in_a_kept_folder_does_not_see_the_last_runs_tmp(SandboxIsolation isolation)
    {
        var options = Options("reused", isolation);
        using var runner = new SandboxRunner(options);
        // Leaves /tmp/left.txt and /tmp/dir/nested.txt behind.
        var leaves = Module("""
            (data (i32.const 32) "left.txt")
            (data (i32.const 48) "dir")
            (data (i32.const 64) "dir/nested.txt")
            (data (i32.const 256) "left behind")
            """, $"""
            (call $write (call $open (i32.const {Tmp}) (i32.const 32) (i32.const 8) (i32.const 1)) (i32.const 256) (i32.const 11))
            (call $ok (call $mkdir (i32.const {Tmp}) (i32.const 48) (i32.const 3)))
            (call $write (call $open (i32.const {Tmp}) (i32.const 64) (i32.const 14) (i32.const 1)) (i32.const 256) (i32.const 11))
            """);
        // Exits 1 when /tmp/left.txt is there, 2 for /tmp/dir; then writes a /tmp file of its own.
        var looks = Module("""
            (data (i32.const 32) "left.txt")
            (data (i32.const 48) "dir")
            (data (i32.const 64) "mine.txt")
            """, $"""
            (if (i32.ne (call $try_open (i32.const {Tmp}) (i32.const 32) (i32.const 8) (i32.const 0)) (i32.const {Enoent}))
              (then (call $exit (i32.const 1))))
            (if (i32.ne (call $try_open (i32.const {Tmp}) (i32.const 48) (i32.const 3) (i32.const 2)) (i32.const {Enoent}))
              (then (call $exit (i32.const 2))))
            (drop (call $open (i32.const {Tmp}) (i32.const 64) (i32.const 8) (i32.const 1)))
            """);

        var first = await runner.RunAsync(Request(leaves));
        var folders = Directory.GetDirectories(options.WorkDirectory);
        AssertEveryFolderEmpty(options.WorkDirectory);
        var second = await runner.RunAsync(Request(looks));

        Assert.True(first.Succeeded, $"{first.Failure}: {first.FailureReason}");
        Assert.True(second.Succeeded, $"{second.Failure}: {second.FailureReason} (exit code {second.ExitCode})");
        Assert.Empty(SandboxFixture.ReadArchive(second.OutputArchive));
        // The same folder served both runs, and is empty again.
        Assert.Single(folders);
        Assert.Equal(folders, Directory.GetDirectories(options.WorkDirectory));
        AssertEveryFolderEmpty(options.WorkDirectory);
    }

    [Theory, MemberData(nameof(Isolations))]
    public async Task A_module_that_leaves_more_than_the_scratch_limit_fails_as_output_too_large_and_its_folder_is_emptied(SandboxIsolation isolation)
    {
        var options = Options("over", isolation);
        using var runner = new SandboxRunner(options);
        // 64 writes of 4 KiB: 256 KiB in /tmp/big, then a normal exit, faster than the guard looks.
        var writes = Module("""
            (data (i32.const 32) "big")
            """, $"""
            (local.set $f (call $open (i32.const {Tmp}) (i32.const 32) (i32.const 3) (i32.const 1)))
            (loop $more
              (call $write (local.get $f) (i32.const 1024) (i32.const 4096))
              (br_if $more (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 64))))
            """, "(local $f i32) (local $i i32)");
        var limits = SandboxFixture.Limits() with { ScratchBytes = 64 * 1024 };

        var result = await runner.RunAsync(Request(writes, limits));
        var within = await runner.RunAsync(Request(writes, SandboxFixture.Limits() with { ScratchBytes = 256 * 1024 }));

        Assert.Equal(SandboxFailureKind.OutputTooLarge, result.Failure);
        // Judged after the run, or by the guard if it looked in time.
        Assert.StartsWith("/tmp holds more than the 65536 B scratch limit", result.FailureReason);
        Assert.Empty(result.OutputArchive);
        Assert.Null(result.OutputArchiveSha256);
        Assert.True(within.Succeeded, $"{within.Failure}: {within.FailureReason}");
        AssertEveryFolderEmpty(options.WorkDirectory);
    }

    [Theory, MemberData(nameof(Isolations))]
    public async Task A_module_that_keeps_writing_to_tmp_is_stopped_at_the_scratch_limit_and_its_folder_removed(SandboxIsolation isolation)
    {
        var options = Options("endless", isolation);
        using var runner = new SandboxRunner(options);
        var endless = Module("""
            (data (i32.const 32) "endless")
            """, $"""
            (local.set $f (call $open (i32.const {Tmp}) (i32.const 32) (i32.const 7) (i32.const 1)))
            (loop $forever
              (call $write (local.get $f) (i32.const 1024) (i32.const 4096))
              (br $forever))
            """, "(local $f i32)");
        var limits = SandboxFixture.Limits(wallTimeMs: 30_000) with { ScratchBytes = 1 << 20 };

        var result = await runner.RunAsync(Request(endless, limits));

        Assert.Equal(SandboxFailureKind.OutputTooLarge, result.Failure);
        Assert.Equal("/tmp holds more than the 1048576 B scratch limit while the module ran", result.FailureReason);
        Assert.True(result.WallTime < TimeSpan.FromSeconds(20), $"stopped after {result.WallTime}");
        // Stopped from outside: its folder goes rather than being emptied.
        Assert.Empty(Directory.GetDirectories(options.WorkDirectory));
    }

    [Theory, MemberData(nameof(Isolations))]
    public async Task A_sparse_scratch_file_and_too_many_scratch_entries_count_against_the_limits(SandboxIsolation isolation)
    {
        var runner = fixture.RunnerFor(isolation);
        // One byte written 1 GiB into /tmp/sparse: little disk, a large file.
        var sparse = Module("""
            (data (i32.const 32) "sparse")
            """, $"""
            (i32.store (i32.const 16) (i32.const 1024))
            (i32.store (i32.const 20) (i32.const 1))
            (call $ok (call $fd_pwrite
              (call $open (i32.const {Tmp}) (i32.const 32) (i32.const 6) (i32.const 1))
              (i32.const 16) (i32.const 1) (i64.const 0x40000000) (i32.const 8)))
            """);
        // Ten folders /tmp/d0 .. /tmp/d9.
        var folders = Module("""
            (data (i32.const 32) "d0")
            """, $"""
            (loop $more
              (i32.store8 (i32.const 33) (i32.add (i32.const 48) (local.get $i)))
              (call $ok (call $mkdir (i32.const {Tmp}) (i32.const 32) (i32.const 2)))
              (br_if $more (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 10))))
            """, "(local $i i32)");

        var large = await runner.RunAsync(Request(sparse));
        var many = await runner.RunAsync(Request(folders, SandboxFixture.Limits() with { ScratchEntries = 5 }));
        var enough = await runner.RunAsync(Request(folders, SandboxFixture.Limits() with { ScratchEntries = 10 }));

        Assert.Equal(SandboxFailureKind.OutputTooLarge, large.Failure);
        Assert.StartsWith($"/tmp holds more than the {SandboxLimits.DefaultScratchBytes} B scratch limit", large.FailureReason);
        Assert.Equal(SandboxFailureKind.OutputTooLarge, many.Failure);
        Assert.StartsWith("/tmp holds more than 5 entries", many.FailureReason);
        Assert.True(enough.Succeeded, $"{enough.Failure}: {enough.FailureReason}");
    }

    [Theory, MemberData(nameof(Isolations))]
    public async Task Paths_out_of_tmp_are_denied(SandboxIsolation isolation)
    {
        var options = Options("hostile", isolation);
        using var runner = new SandboxRunner(options);
        var dataset = Directory.CreateDirectory(Path.Combine(fixture.Root, $"scratch-hostile-dataset-{isolation}")).FullName;
        var data = Path.Combine(dataset, "data.txt");
        await File.WriteAllTextAsync(data, "the dataset\n");
        // Exits with the number of the first attempt that got through; 0 when all were denied.
        var hostile = Module("""
            (data (i32.const 32) "../out/x")
            (data (i32.const 48) "../escaped")
            (data (i32.const 64) "up")
            (data (i32.const 72) "../out")
            (data (i32.const 80) "up/y")
            (data (i32.const 96) "file")
            (data (i32.const 104) "../out/z")
            (data (i32.const 128) "abs")
            (data (i32.const 136) "/out")
            (data (i32.const 144) "abs/w")
            (data (i32.const 160) "data.txt")
            (data (i32.const 176) "linked.txt")
            (data (i32.const 192) "x")
            (data (i32.const 256) "changed")
            """, $"""
            ;; /tmp/../out/x, as wasi-libc passes it: relative to /tmp's descriptor
            (if (i32.eqz (call $try_open (i32.const {Tmp}) (i32.const 32) (i32.const 8) (i32.const 1))) (then (call $exit (i32.const 1))))
            ;; the run folder itself, /tmp's parent
            (if (i32.eqz (call $try_open (i32.const {Tmp}) (i32.const 48) (i32.const 10) (i32.const 1))) (then (call $exit (i32.const 2))))
            ;; a link /tmp/up -> ../out, then /tmp/up/y
            (drop (call $symlink (i32.const 72) (i32.const 6) (i32.const {Tmp}) (i32.const 64) (i32.const 2)))
            (if (i32.eqz (call $try_open (i32.const {Tmp}) (i32.const 80) (i32.const 4) (i32.const 1))) (then (call $exit (i32.const 3))))
            ;; a link /tmp/file -> ../out/z, opened to create its target
            (drop (call $symlink (i32.const 104) (i32.const 8) (i32.const {Tmp}) (i32.const 96) (i32.const 4)))
            (if (i32.eqz (call $try_open (i32.const {Tmp}) (i32.const 96) (i32.const 4) (i32.const 1))) (then (call $exit (i32.const 4))))
            ;; an absolute link /tmp/abs -> /out, then /tmp/abs/w
            (drop (call $symlink (i32.const 136) (i32.const 4) (i32.const {Tmp}) (i32.const 128) (i32.const 3)))
            (if (i32.eqz (call $try_open (i32.const {Tmp}) (i32.const 144) (i32.const 5) (i32.const 1))) (then (call $exit (i32.const 5))))
            ;; a hard link of the read-only dataset into /tmp, which would make it writable
            (if (i32.eqz (call $link (i32.const {In}) (i32.const 0) (i32.const 160) (i32.const 8) (i32.const {Tmp}) (i32.const 176) (i32.const 10)))
              (then
                (call $write (call $open (i32.const {Tmp}) (i32.const 176) (i32.const 10) (i32.const 8)) (i32.const 256) (i32.const 7))
                (call $exit (i32.const 6))))
            ;; /out is still reachable the proper way
            (drop (call $open (i32.const {Out}) (i32.const 192) (i32.const 1) (i32.const 1)))
            """);

        var result = await runner.RunAsync(Request(hostile, input: dataset));

        Assert.True(result.Succeeded, $"{result.Failure}: {result.FailureReason} (exit code {result.ExitCode})");
        Assert.Equal(["x"], SandboxFixture.ReadArchive(result.OutputArchive).Select(e => e.Entry.Name));
        Assert.Equal("the dataset\n", await File.ReadAllTextAsync(data));
        Assert.Equal(["data.txt"], Directory.GetFileSystemEntries(dataset).Select(Path.GetFileName));
        AssertEveryFolderEmpty(options.WorkDirectory);
    }

    [Fact]
    public async Task Scratch_limits_are_validated()
    {
        var zero = await Assert.ThrowsAsync<ArgumentException>(() =>
            fixture.Runner.RunAsync(Request(WritesAndReadsBack, SandboxFixture.Limits() with { ScratchBytes = 0 })));
        var entries = await Assert.ThrowsAsync<ArgumentException>(() =>
            fixture.Runner.RunAsync(Request(WritesAndReadsBack, SandboxFixture.Limits() with { ScratchEntries = -1 })));
        var options = fixture.NewOptions("scratch-invalid");
        options.DefaultScratchLimitBytes = -1;

        Assert.Contains("scratch limit 0 B must be positive", zero.Message);
        Assert.Contains("scratch entry limit -1 must be positive", entries.Message);
        var invalid = Assert.Throws<OptionsValidationException>(() => new SandboxRunner(options));
        Assert.Contains("scratch limit -1 B must be positive", invalid.Message);
        Assert.Equal(256L << 20, new SandboxOptions().DefaultLimits().ScratchBytes);
        Assert.Equal(256L << 20, SandboxFixture.Limits().ScratchBytes);
    }
}
