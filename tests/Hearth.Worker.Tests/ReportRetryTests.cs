namespace Hearth.Worker.Tests;

/// <summary>
/// A signed report the scheduler cannot judge for now (503 for the whole exchange, or in the report's own outcome: the
/// chain or the result storage out of reach) is kept and sent again with backoff until it is accepted.
/// </summary>
public sealed class ReportRetryTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_report_answered_503_is_kept_and_accepted_later(bool wholeExchange)
    {
        await using var network = await TestNetwork.StartAsync(output);
        if (wholeExchange) network.Scheduler.UnavailableExchanges = 3;
        else network.Scheduler.DeferredReports = 3;
        var options = network.WorkerOptions(1);
        options.RetryInitialDelay = TimeSpan.FromMilliseconds(100);
        options.RetryMaxDelay = TimeSpan.FromMilliseconds(400);
        var worker = await network.StartWorkerAsync(options);
        var app = await network.PutFileAsync(TestNetwork.App("montecarlo"));
        var assignment = network.Assign(worker.Address, app, ["1000", "7"]);
        network.Scheduler.Enqueue(worker.Address, assignment);

        var (_, _, report) = await network.Scheduler.WaitForAsync(s => s.Contributions.FirstOrDefault(c => c.ReplicateId == assignment.ReplicateId), "the contribution, once accepted");

        Assert.Equal(3, network.Scheduler.Read(s => s.Unavailable));
        Assert.Single(network.Scheduler.Read(s => s.Contributions.ToList()));
        Assert.Empty(network.Scheduler.Read(s => s.Failures.ToList()));
        // The signed report itself was kept: what reached the scheduler is what the storage holds.
        Assert.Equal(Hearth.Protocol.Hash32.Parse(report.Digest), Hearth.Protocol.Ids.ResultDigest(await network.DownloadAsync(report.Digest)));
    }
}
