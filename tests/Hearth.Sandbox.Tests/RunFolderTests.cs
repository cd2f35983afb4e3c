namespace Hearth.Sandbox.Tests;

/// <summary>Run folders are kept for the next run, which still starts with an empty /out and /in, in both isolations.</summary>
public sealed class RunFolderTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    public static TheoryData<SandboxIsolation> Isolations => SandboxFixture.Isolations;

    private static SandboxRequest Collisions(string dataset) => new()
    {
        ModulePath = SandboxFixture.App("collisions"),
        ProgramName = "collisions",
        InputPath = dataset,
        Limits = SandboxFixture.Limits(),
    };

    private static SandboxRequest Hello() => new() { ModulePath = SandboxFixture.App("hello-as"), Limits = SandboxFixture.Limits() };

    private SandboxOptions Options(string name, SandboxIsolation isolation)
    {
        var options = fixture.NewOptions($"{name}-{isolation}");
        options.Isolation = isolation;
        return options;
    }

    [Theory, MemberData(nameof(Isolations))]
    public async Task The_next_run_in_a_kept_folder_sees_nothing_of_the_last(SandboxIsolation isolation)
    {
        var options = Options("folders-reused", isolation);
        using var runner = new SandboxRunner(options);
        var dataset = Path.Combine(fixture.Root, $"folders-{isolation}-events.csv");
        await SampleData.GenerateCollisionEventsAsync(seed: 5, count: 500, dataset);

        var collisions = await runner.RunAsync(Collisions(dataset));
        var folders = Directory.GetDirectories(options.WorkDirectory);
        var hello = await runner.RunAsync(Hello());

        Assert.True(collisions.Succeeded, collisions.FailureReason);
        Assert.True(hello.Succeeded, hello.FailureReason);
        Assert.Equal(["hello.txt"], SandboxFixture.ReadArchive(hello.OutputArchive).Select(entry => entry.Entry.Name));
        // One folder, kept, emptied (the dataset's copy too), and used again.
        var folder = Assert.Single(folders);
        Assert.Equal(folders, Directory.GetDirectories(options.WorkDirectory));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(folder, "in")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(folder, "out")));
    }

    [Theory, MemberData(nameof(Isolations))]
    public async Task A_stopped_run_leaves_no_folder_behind(SandboxIsolation isolation)
    {
        var options = Options("folders-stopped", isolation);
        using var runner = new SandboxRunner(options);
        await runner.RunAsync(Hello());
        var kept = Directory.GetDirectories(options.WorkDirectory);

        var stopped = await runner.RunAsync(SandboxFixture.Wat("""
            (module (memory (export "memory") 1) (func (export "_start") (loop $forever (br $forever))))
            """, SandboxFixture.Limits(wallTimeMs: 200)));

        Assert.Equal(SandboxFailureKind.Timeout, stopped.Failure);
        Assert.Single(kept);
        Assert.Empty(Directory.GetDirectories(options.WorkDirectory));
    }

    [Fact]
    public async Task Disposing_the_runner_removes_its_folders()
    {
        var options = Options("folders-disposed", SandboxIsolation.InProcess);
        var runner = new SandboxRunner(options);
        await runner.RunAsync(Hello());
        var kept = Directory.GetDirectories(options.WorkDirectory);

        runner.Dispose();

        Assert.Single(kept);
        Assert.Empty(Directory.GetDirectories(options.WorkDirectory));
    }
}
