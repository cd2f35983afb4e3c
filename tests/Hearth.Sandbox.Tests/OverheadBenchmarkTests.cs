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
        // The times are rounded to 0.1 ms for the report, the ratio comes from the exact ones.
        var ratio = result.SandboxMs / result.NativeMs;
        Assert.InRange(result.Ratio, ratio * 0.98, ratio * 1.02);
    }
}
