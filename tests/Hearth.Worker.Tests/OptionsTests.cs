using Microsoft.Extensions.Options;

namespace Hearth.Worker.Tests;

public sealed class OptionsTests
{
    [Fact]
    public void Empty_options_name_every_missing_setting()
    {
        var error = Assert.Throws<OptionsValidationException>(() => WorkerOptionsValidator.ThrowIfInvalid(new WorkerOptions()));

        Assert.Contains("Worker:SchedulerUrl is empty: set it to the base URL of the pool's scheduler API.", error.Failures);
        Assert.Contains("Worker:Workerpool is empty: set it to the id of the workerpool this worker serves.", error.Failures);
        Assert.Contains(error.Failures, f => f.StartsWith("Worker:PrivateKey is empty"));
        Assert.Contains(error.Failures, f => f.StartsWith("Worker:CacheFolder is empty"));
        Assert.Contains(error.Failures, f => f.StartsWith("Worker:WorkFolder is empty"));
        Assert.Contains(error.Failures, f => f.StartsWith("Worker:ChainId must be the positive id"));
        Assert.Contains(error.Failures, f => f.StartsWith("Worker:MarketAddress ''"));
        Assert.Contains(error.Failures, f => f.StartsWith("Worker:SchedulerAddress ''"));
    }

    [Fact]
    public void Malformed_values_are_named_with_the_fix()
    {
        var options = new WorkerOptions
        {
            SchedulerUrl = "ftp://scheduler",
            Workerpool = "7",
            PrivateKey = "0x" + new string('0', 64),
            StorageUrl = "http://storage/",
            CacheFolder = "relative/cache",
            WorkFolder = "/tmp/work",
            Slots = 0,
            TelemetrySource = "thermometer",
            SimulatedDayStartHour = 24,
            ChainId = 1,
            MarketAddress = "0x5FbDB2315678afecb367f032d93F642f64180aa3",
            SchedulerAddress = "0x5FbDB2315678afecb367f032d93F642f64180aa3",
            ProgressReportDelay = TimeSpan.FromSeconds(-1),
        };

        var error = Assert.Throws<OptionsValidationException>(() => WorkerOptionsValidator.ThrowIfInvalid(options));

        Assert.Equal(
            [
                "Worker:SchedulerUrl 'ftp://scheduler' is not an absolute http(s) URL: set it to the base URL of the pool's scheduler API.",
                "Worker:PrivateKey is malformed: give the worker's wallet key as 0x and 64 hex digits (a non-zero secp256k1 key).",
                "Worker:CacheFolder 'relative/cache' is relative: give an absolute folder for downloaded modules and datasets.",
                "Worker:Slots must be between 1 and 1024 parallel tasks, was 0.",
                "Worker:TelemetrySource must be 'simulated' or 'none', was 'thermometer'.",
                "Worker:SimulatedDayStartHour must be an hour from 0 to under 24, was 24.",
                "Worker:ProgressReportDelay must be between 0 and 1 hour, was -00:00:01.",
            ],
            error.Failures);
    }

    [Fact]
    public async Task Host_refuses_to_start_with_invalid_options()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => WorkerHost.StartAsync(new WorkerOptions { Slots = -1 }));

        Assert.Contains("Worker:Slots must be between 1 and 1024 parallel tasks, was -1.", error.Failures);
    }
}
