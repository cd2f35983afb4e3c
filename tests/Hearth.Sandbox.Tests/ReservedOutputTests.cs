namespace Hearth.Sandbox.Tests;

/// <summary>
/// /out/.hearth is kept for the records of runs that failed by the program's own doing (the worker writes them): a
/// successful run that leaves it is refused, so no result can pass for a failure record.
/// </summary>
public sealed class ReservedOutputTests(SandboxFixture f) : IClassFixture<SandboxFixture>
{
    private static byte[] MakesOutFolder(string name) => Wasmtime.Module.ConvertText($$"""
        (module
          (import "wasi_snapshot_preview1" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "{{name}}")
          (func (export "_start")
            (drop (call $mkdir (i32.const 4) (i32.const 16) (i32.const {{name.Length}})))))
        """);

    [Theory]
    [MemberData(nameof(SandboxFixture.Isolations), MemberType = typeof(SandboxFixture))]
    public async Task A_run_that_writes_the_reserved_name_is_refused_and_a_near_name_is_not(SandboxIsolation isolation)
    {
        var runner = f.RunnerFor(isolation);
        var refused = await runner.RunAsync(new SandboxRequest { ModuleBytes = MakesOutFolder(".hearth"), Limits = SandboxFixture.Limits() });
        Assert.Equal(SandboxFailureKind.OutputRejected, refused.Failure);
        Assert.Contains("/out/.hearth is kept", refused.FailureReason);

        var near = await runner.RunAsync(new SandboxRequest { ModuleBytes = MakesOutFolder(".hearthx"), Limits = SandboxFixture.Limits() });
        Assert.True(near.Succeeded, near.FailureReason);
    }

    [Fact]
    public void Pack_archives_a_folder_deterministically()
    {
        var folder = Directory.CreateTempSubdirectory("hearth-pack-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "a"));
            File.WriteAllText(Path.Combine(folder, "a", "b.txt"), "record");
            var first = f.Runner.Pack(folder, Path.Combine(folder, "..", Path.GetFileName(folder) + "-1.tar"));
            var second = f.Runner.Pack(folder, Path.Combine(folder, "..", Path.GetFileName(folder) + "-2.tar"));
            Assert.Equal(first, second);
            Assert.Equal(64, first.Sha256.Length);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
            foreach (var tar in Directory.GetFiles(Path.GetDirectoryName(folder)!, Path.GetFileName(folder) + "-*.tar")) File.Delete(tar);
        }
    }
}
