using System.Text;
using System.Text.RegularExpressions;
using Hearth.Sandbox.Apps;

namespace Hearth.Sandbox.Tests;

/// <summary>
/// An app bundle's trees are shown read-only at their mount points: a module reads them and can write nothing there
/// (no file opened for writing, created, removed, no folder made), in a sandbox host and in process. apps/wordsort reads
/// its dictionary from /share, its text from /in, sorts through run files in /tmp and writes the counts to /out.
/// </summary>
public sealed partial class ReadOnlyMountTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    public static TheoryData<SandboxIsolation> Isolations => SandboxFixture.Isolations;

    private static string Share => Path.Combine(SandboxFixture.RepositoryRoot, "apps", "wordsort", "share");

    // /in, /out and /tmp are 3, 4 and 5; the first tree is 6.
    private const int FirstTree = 6;

    /// <summary>
    /// Reads /share/dictionary.txt (exit 10 if it cannot), then tries to open it for writing (11), to create /share/new.txt
    /// (12), to make /share/dir (13) and to remove the dictionary (14): exit 0 when every write was refused.
    /// </summary>
    private static readonly string TriesToWrite = $$"""
        (module
          (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "path_unlink_file" (func $unlink (param i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (data (i32.const 100) "dictionary.txt")
          (data (i32.const 200) "new.txt")
          (data (i32.const 300) "dir")
          (func (export "_start")
            (if (call $open (i32.const {{FirstTree}}) (i32.const 0) (i32.const 100) (i32.const 14) (i32.const 0) (i64.const 0x2) (i64.const 0) (i32.const 0) (i32.const 16))
              (then (call $exit (i32.const 10))))
            (if (i32.eqz (call $open (i32.const {{FirstTree}}) (i32.const 0) (i32.const 100) (i32.const 14) (i32.const 8) (i64.const 0x40) (i64.const 0) (i32.const 0) (i32.const 16)))
              (then (call $exit (i32.const 11))))
            (if (i32.eqz (call $open (i32.const {{FirstTree}}) (i32.const 0) (i32.const 200) (i32.const 7) (i32.const 1) (i64.const 0x40) (i64.const 0) (i32.const 0) (i32.const 16)))
              (then (call $exit (i32.const 12))))
            (if (i32.eqz (call $mkdir (i32.const {{FirstTree}}) (i32.const 300) (i32.const 3)))
              (then (call $exit (i32.const 13))))
            (if (i32.eqz (call $unlink (i32.const {{FirstTree}}) (i32.const 100) (i32.const 14)))
              (then (call $exit (i32.const 14))))))
        """;

    [Theory, MemberData(nameof(Isolations))]
    public async Task A_tree_is_readable_and_every_write_to_it_is_refused(SandboxIsolation isolation)
    {
        var tree = CopyOfShare($"read-only-{isolation}");
        var before = await File.ReadAllBytesAsync(Path.Combine(tree, "dictionary.txt"));

        var result = await fixture.RunnerFor(isolation).RunAsync(SandboxFixture.Wat(TriesToWrite) with { ReadOnlyMounts = [new ReadOnlyMount(tree, "/share")] });

        Assert.True(result.Succeeded, $"{result.Failure}: {result.FailureReason} (exit {result.ExitCode})");
        Assert.Equal(before, await File.ReadAllBytesAsync(Path.Combine(tree, "dictionary.txt")));
        Assert.Equal(["dictionary.txt", "lists"], Directory.GetFileSystemEntries(tree).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Theory, MemberData(nameof(Isolations))]
    public async Task Wordsort_counts_the_dictionary_words_of_in_through_run_files_in_tmp(SandboxIsolation isolation)
    {
        var input = Directory.CreateDirectory(Path.Combine(fixture.Root, $"wordsort-in-{isolation}")).FullName;
        var texts = new[]
        {
            "The apple and the pear. An apple in winter; heat of the hearth, heat of the city!\n",
            "Fig, fig and kiwi: a zebra at the river, water to the boiler, warm house in winter.\n",
        };
        await File.WriteAllTextAsync(Path.Combine(input, "a.txt"), texts[0]);
        await File.WriteAllTextAsync(Path.Combine(input, "b.txt"), texts[1]);

        var result = await fixture.RunnerFor(isolation).RunAsync(new SandboxRequest
        {
            ModulePath = SandboxFixture.App("wordsort"),
            Arguments = ["--run-words", "1"],
            Environment = new Dictionary<string, string> { ["WORDSORT_MIN_LENGTH"] = "4" },
            InputPath = input,
            ReadOnlyMounts = [new ReadOnlyMount(Share, "/share")],
            Limits = SandboxFixture.Limits(),
        });

        Assert.True(result.Succeeded, $"{result.Failure}: {result.FailureReason}; {SandboxFixture.Text(result.Stderr)}");
        var files = SandboxFixture.ReadArchive(result.OutputArchive).ToDictionary(e => e.Entry.Name, e => e.Content);
        Assert.Equal(ExpectedCounts(string.Concat(texts), minLength: 4), files["words.txt"]);
        // 15 kept words in runs of 1: 15 run files, 8 merged into one, then the 8 left counted into /out.
        Assert.Contains("kept 15\n", files["summary.txt"]);
        Assert.Contains("runs 15\nintermediate merges 1\n", files["summary.txt"]);
    }

    [Theory]
    [InlineData("/in")]
    [InlineData("/tmp/x")]
    [InlineData("/share/../etc")]
    [InlineData("share")]
    public async Task A_mount_point_that_is_not_a_plain_path_of_its_own_is_refused(string mount)
    {
        var request = SandboxFixture.Wat("(module (func (export \"_start\")))") with { ReadOnlyMounts = [new ReadOnlyMount(Share, mount)] };

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => fixture.Runner.RunAsync(request));
        Assert.Contains(mount, refused.Message);
    }

    [Fact]
    public async Task Two_mounts_at_the_same_place_or_one_inside_the_other_are_refused()
    {
        var request = SandboxFixture.Wat("(module (func (export \"_start\")))") with
        {
            ReadOnlyMounts = [new ReadOnlyMount(Share, "/share"), new ReadOnlyMount(Share, "/share/more")],
        };

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => fixture.Runner.RunAsync(request));
        Assert.Contains("nested", refused.Message);
    }

    /// <summary>What wordsort should write, computed here from the same dictionary, stop words and rules.</summary>
    internal static string ExpectedCounts(string text, int minLength)
    {
        var dictionary = File.ReadAllLines(Path.Combine(Share, "dictionary.txt")).ToHashSet(StringComparer.Ordinal);
        var stop = File.ReadAllLines(Path.Combine(Share, "lists", "stopwords.txt")).ToHashSet(StringComparer.Ordinal);
        var kept = Word().Matches(text).Select(m => m.Value.ToLowerInvariant())
            .Where(w => w.Length >= minLength && !stop.Contains(w) && dictionary.Contains(w));
        var lines = kept.GroupBy(w => w).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}\n");
        return string.Concat(lines);
    }

    private string CopyOfShare(string name)
    {
        var copy = Path.Combine(fixture.Root, name);
        foreach (var file in Directory.GetFiles(Share, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(Share, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return copy;
    }

    [GeneratedRegex("[A-Za-z]+")]
    private static partial Regex Word();
}
