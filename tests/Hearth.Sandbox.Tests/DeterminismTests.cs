using System.Formats.Tar;
using System.Security.Cryptography;

namespace Hearth.Sandbox.Tests;

/// <summary>Replicas must agree byte for byte: same inputs, same archive, same digest, same fuel.</summary>
public sealed class DeterminismTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    private static SandboxRequest Collisions(string dataset, ulong? fuel = null) => new()
    {
        ModulePath = SandboxFixture.App("collisions"),
        ProgramName = "collisions",
        Arguments = ["70", "110", "40"],
        InputPath = dataset,
        Limits = SandboxFixture.Limits(fuel: fuel),
    };

    private async Task<string> DatasetAsync()
    {
        var dataset = Path.Combine(fixture.Root, "determinism-dataset");
        if (!Directory.Exists(dataset))
        {
            Directory.CreateDirectory(dataset);
            await SampleData.GenerateCollisionEventsAsync(3, 3_000, Path.Combine(dataset, "a.csv"));
            await SampleData.GenerateCollisionEventsAsync(4, 3_000, Path.Combine(dataset, "b.csv"));
        }
        return dataset;
    }

    [Fact]
    public async Task Same_inputs_give_identical_archives_in_another_runner_and_folder()
    {
        var dataset = await DatasetAsync();
        using var other = new SandboxRunner(fixture.NewOptions("determinism-other"));

        var first = await fixture.Runner.RunAsync(Collisions(dataset));
        var second = await other.RunAsync(Collisions(dataset));

        Assert.True(first.Succeeded, first.FailureReason);
        Assert.Equal(first.OutputArchive, second.OutputArchive);
        Assert.Equal(first.OutputArchiveSha256, second.OutputArchiveSha256);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(first.OutputArchive)), first.OutputArchiveSha256);
    }

    [Fact]
    public async Task Sandbox_hosts_and_in_process_runs_give_identical_results_for_the_sample_apps()
    {
        SandboxRequest[] requests =
        [
            Collisions(await DatasetAsync()),
            new() { ModulePath = SandboxFixture.App("montecarlo"), ProgramName = "montecarlo", Arguments = ["200000", "9"], Limits = SandboxFixture.Limits() },
            new() { ModulePath = SandboxFixture.App("mandelbrot"), ProgramName = "mandelbrot", Arguments = ["1", "1", "2", "96", "300"], Limits = SandboxFixture.Limits() },
            new()
            {
                ModulePath = SandboxFixture.App("hello-as"),
                ProgramName = "hello-as",
                Arguments = ["replicas"],
                Environment = new Dictionary<string, string> { ["GREETING"] = "same bytes" },
                Limits = SandboxFixture.Limits(),
            },
        ];

        foreach (var request in requests)
        {
            var hosted = await fixture.RunnerFor(SandboxIsolation.ChildProcess).RunAsync(request);
            var inProcess = await fixture.RunnerFor(SandboxIsolation.InProcess).RunAsync(request);

            Assert.True(hosted.Succeeded, $"{request.ModulePath}: {hosted.FailureReason}");
            Assert.Equal(hosted.OutputArchiveSha256, inProcess.OutputArchiveSha256);
            Assert.Equal(hosted.OutputArchive, inProcess.OutputArchive);
            Assert.Equal(hosted.Stdout, inProcess.Stdout);
            Assert.Equal(hosted.Stderr, inProcess.Stderr);
            Assert.Equal(hosted.ExitCode, inProcess.ExitCode);
        }
    }

    [Fact]
    public async Task Archive_entries_are_sorted_with_fixed_metadata()
    {
        var result = await fixture.Runner.RunAsync(Collisions(await DatasetAsync()));

        var entries = SandboxFixture.ReadArchive(result.OutputArchive);
        Assert.Equal(["histogram.csv", "plot.txt", "summary.json"], entries.Select(e => e.Entry.Name));
        Assert.All(entries, e =>
        {
            Assert.Equal(TarEntryFormat.Ustar, e.Entry.Format);
            Assert.Equal(DateTimeOffset.UnixEpoch, e.Entry.ModificationTime);
            Assert.Equal(0, e.Entry.Uid);
            Assert.Equal(0, e.Entry.Gid);
            Assert.Equal("", ((PosixTarEntry)e.Entry).UserName);
            Assert.Equal("", ((PosixTarEntry)e.Entry).GroupName);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, e.Entry.Mode);
        });
    }

    [Fact]
    public async Task Fuel_consumed_is_the_same_twice_and_a_small_budget_runs_out()
    {
        var dataset = await DatasetAsync();

        var first = await fixture.Runner.RunAsync(Collisions(dataset, fuel: 10_000_000_000));
        var second = await fixture.Runner.RunAsync(Collisions(dataset, fuel: 10_000_000_000));
        var starved = await fixture.Runner.RunAsync(Collisions(dataset, fuel: 100_000));

        Assert.True(first.Succeeded, first.FailureReason);
        Assert.NotNull(first.FuelConsumed);
        Assert.True(first.FuelConsumed > 100_000);
        Assert.Equal(first.FuelConsumed, second.FuelConsumed);
        Assert.Equal(first.OutputArchiveSha256, second.OutputArchiveSha256);
        Assert.Equal(SandboxFailureKind.OutOfFuel, starved.Failure);
        Assert.Contains("100000", starved.FailureReason);
    }

    [Fact]
    public async Task Unmetered_runs_report_no_fuel()
    {
        var result = await fixture.Runner.RunAsync(Collisions(await DatasetAsync()));

        Assert.Null(result.FuelConsumed);
    }
}
