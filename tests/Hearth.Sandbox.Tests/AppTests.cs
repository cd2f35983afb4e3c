using System.Globalization;
using System.Text.Json;

namespace Hearth.Sandbox.Tests;

/// <summary>The sample apps of each language run in the sandbox and compute what they should.</summary>
public sealed class AppTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    [Fact]
    public async Task Montecarlo_in_c_estimates_pi()
    {
        var result = await fixture.Runner.RunAsync(new SandboxRequest
        {
            ModulePath = SandboxFixture.App("montecarlo"),
            ProgramName = "montecarlo",
            Arguments = ["1000000", "42"],
            Limits = SandboxFixture.Limits(),
        });

        Assert.True(result.Succeeded, $"{result.Failure}: {result.FailureReason}");
        var (entry, content) = Assert.Single(SandboxFixture.ReadArchive(result.OutputArchive));
        Assert.Equal("result.json", entry.Name);
        using var json = JsonDocument.Parse(content);
        Assert.Equal(1_000_000, json.RootElement.GetProperty("samples").GetInt64());
        Assert.Equal(Math.PI, json.RootElement.GetProperty("pi").GetDouble(), 0.01);
    }

    [Fact]
    public async Task Collisions_in_rust_find_the_resonance_peak()
    {
        var dataset = Directory.CreateDirectory(Path.Combine(fixture.Root, "collisions-dataset")).FullName;
        await SampleData.GenerateCollisionEventsAsync(seed: 7, count: 20_000, Path.Combine(dataset, "events.csv"));

        var result = await fixture.Runner.RunAsync(new SandboxRequest
        {
            ModulePath = SandboxFixture.App("collisions"),
            ProgramName = "collisions",
            InputPath = dataset,
            Limits = SandboxFixture.Limits(),
        });

        Assert.True(result.Succeeded, $"{result.Failure}: {result.FailureReason}\n{SandboxFixture.Text(result.Stderr)}");
        var files = SandboxFixture.ReadArchive(result.OutputArchive).ToDictionary(e => e.Entry.Name, e => e.Content);
        Assert.Equal(["histogram.csv", "plot.txt", "summary.json"], files.Keys);
        using var summary = JsonDocument.Parse(files["summary.json"]);
        Assert.Equal(20_000, summary.RootElement.GetProperty("events").GetInt64());
        Assert.Equal(SampleData.ResonanceMassGev, summary.RootElement.GetProperty("peak_bin_center_gev").GetDouble(), 1.0);
        var rows = files["histogram.csv"].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("bin_low_gev,bin_high_gev,count", rows[0]);
        Assert.Equal(61, rows.Length);
        Assert.Equal(20_000, rows.Skip(1).Sum(row => long.Parse(row.Split(',')[2], CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task Collisions_accept_a_single_file_dataset()
    {
        var file = Path.Combine(fixture.Root, "single-events.csv");
        await SampleData.GenerateCollisionEventsAsync(seed: 8, count: 2_000, file);

        var result = await fixture.Runner.RunAsync(new SandboxRequest
        {
            ModulePath = SandboxFixture.App("collisions"),
            InputPath = file,
            Limits = SandboxFixture.Limits(),
        });

        Assert.True(result.Succeeded, $"{result.Failure}: {result.FailureReason}\n{SandboxFixture.Text(result.Stderr)}");
        Assert.Contains("2000 events", SandboxFixture.Text(result.Stdout));
    }

    [Fact]
    public async Task Mandelbrot_in_c_writes_a_pgm_tile()
    {
        var result = await fixture.Runner.RunAsync(new SandboxRequest
        {
            ModulePath = SandboxFixture.App("mandelbrot"),
            ProgramName = "mandelbrot",
            Arguments = ["1", "2", "4", "64", "200"],
            Limits = SandboxFixture.Limits(),
        });

        Assert.True(result.Succeeded, $"{result.Failure}: {result.FailureReason}");
        var (entry, _) = Assert.Single(SandboxFixture.ReadArchive(result.OutputArchive));
        Assert.Equal("tile_1_2.pgm", entry.Name);
        var bytes = new byte[entry.Length];
        entry.DataStream!.Position = 0;
        entry.DataStream.ReadExactly(bytes);
        var header = "P5\n64 64\n255\n"u8.ToArray();
        Assert.Equal(header, bytes[..header.Length]);
        Assert.Equal(header.Length + 64 * 64, bytes.Length);
    }

    [Fact]
    public async Task Hello_in_assemblyscript_sees_arguments_environment_and_out()
    {
        var result = await fixture.Runner.RunAsync(new SandboxRequest
        {
            ModulePath = SandboxFixture.App("hello-as"),
            ProgramName = "hello-as",
            Arguments = ["Hearth", "boilers"],
            Environment = new Dictionary<string, string> { ["GREETING"] = "warm regards" },
            Limits = SandboxFixture.Limits(),
        });

        Assert.True(result.Succeeded, $"{result.Failure}: {result.FailureReason}\n{SandboxFixture.Text(result.Stderr)}");
        var (entry, content) = Assert.Single(SandboxFixture.ReadArchive(result.OutputArchive));
        Assert.Equal("hello.txt", entry.Name);
        Assert.Equal("Hello, Hearth, boilers!\nwarm regards\n", content);
    }

    [Fact]
    public async Task Collision_sample_data_is_deterministic()
    {
        var first = Path.Combine(fixture.Root, "first.csv");
        var second = Path.Combine(fixture.Root, "second.csv");
        await SampleData.GenerateCollisionEventsAsync(11, 500, first);
        await SampleData.GenerateCollisionEventsAsync(11, 500, second);

        Assert.Equal(await File.ReadAllBytesAsync(first), await File.ReadAllBytesAsync(second));
    }
}
