namespace Hearth.Sandbox.Tests;

/// <summary>The benchmark's plumbing on a tiny tile; the numbers themselves belong to `hearth bench`, not to a test.</summary>
public sealed class OverheadBenchmarkTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    [Fact]
    public async Task Runs_both_builds_and_reports_positive_times()
    {
        var benchmark = new SandboxOverheadBenchmark(fixture.Runner);

        var result = await benchmark.RunAsync(SandboxFixture.App("mandelbrot"), SandboxFixture.MandelbrotNative,
            repetitions: 1, arguments: ["0", "0", "2", "32", "50"]);

        Assert.True(result.SandboxMs > 0);
        Assert.True(result.NativeMs > 0);
        // The times are rounded to 0.1 ms and the ratio to 0.001 for the report, the ratio comes from the exact times:
        // the two agree within what the roundings allow (a small run's time is a few tenths of a millisecond).
        var ratio = result.SandboxMs / result.NativeMs;
        var tolerance = 0.0005 + 0.05 * (1 + ratio) / result.NativeMs + 1e-9;
        Assert.InRange(result.Ratio, ratio - tolerance, ratio + tolerance);
    }
}
