using Hearth.Worker.Execution;
using Hearth.Worker.State;

namespace Hearth.Worker.Tests;

/// <summary>A worker stopped mid-task finds what it held in its state file when it starts again.</summary>
public sealed class RestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Worker_restarted_mid_task_runs_the_task_again_and_contributes()
    {
        // Slow downloads keep the replicate in its Downloading stage long enough to stop the worker there.
        await using var network = await TestNetwork.StartAsync(output, storageReadDelay: TimeSpan.FromSeconds(1));
        var options = network.WorkerOptions(1);
        var first = await network.StartWorkerAsync(options);
        var app = await network.PutFileAsync(TestNetwork.App("montecarlo"));
        var assignment = network.Assign(first.Address, app, ["20000", "5"]);
        network.Scheduler.Enqueue(first.Address, assignment);
        await network.Scheduler.WaitForAsync(s => s.Progress.Any(p => p.ReplicateId == assignment.ReplicateId), "the download starting");

        await first.DisposeAsync();
        Assert.Contains(assignment.ReplicateId, await File.ReadAllTextAsync(Path.Combine(options.WorkFolder, WorkerStateStore.FileName)));
        Assert.Empty(network.Scheduler.Read(s => s.Contributions.ToList()));

        await network.StartWorkerAsync(options);
        var contribution = await network.Scheduler.WaitForAsync(s => s.Contributions.FirstOrDefault(c => c.ReplicateId == assignment.ReplicateId).Report, "the contribution after the restart");

        Assert.Equal(0, contribution.ExitCode);
        Assert.Empty(network.Scheduler.Read(s => s.Failures.ToList()));
        var heldAfter = await network.Scheduler.WaitForAsync(s => s.Heartbeats.LastOrDefault().Request is { } last && s.Contributions.Count == 1 && last.HeldReplicates.Count == 0 ? last : null, "a heartbeat holding nothing");
        Assert.Empty(heldAfter.HeldReplicates);
    }

    [Fact]
    public async Task Worker_told_not_to_resume_gives_held_replicates_back_after_a_restart()
    {
        await using var network = await TestNetwork.StartAsync(output, storageReadDelay: TimeSpan.FromSeconds(1));
        var options = network.WorkerOptions(1);
        options.ResumeAfterRestart = false;
        var first = await network.StartWorkerAsync(options);
        var app = await network.PutFileAsync(TestNetwork.App("montecarlo"));
        var assignment = network.Assign(first.Address, app, ["20000", "5"]);
        network.Scheduler.Enqueue(first.Address, assignment);
        await network.Scheduler.WaitForAsync(s => s.Progress.Any(p => p.ReplicateId == assignment.ReplicateId), "the download starting");
        await first.DisposeAsync();

        await network.StartWorkerAsync(options);
        var failure = await network.Scheduler.WaitForAsync(s => s.Failures.FirstOrDefault(f => f.ReplicateId == assignment.ReplicateId).Report, "the hand-back");

        Assert.Equal(FailureKinds.Restarted, failure.Kind);
        Assert.StartsWith("worker restarted", failure.Reason);
        Assert.Empty(network.Scheduler.Read(s => s.Contributions.ToList()));
    }

    [Fact]
    public async Task Contribution_signed_before_a_restart_is_delivered_without_running_again()
    {
        await using var network = await TestNetwork.StartAsync(output);
        var options = network.WorkerOptions(1);
        var address = new WorkerIdentity(options.PrivateKey, TestNetwork.Domain).Address;
        var app = await network.PutAsync("never run"u8.ToArray());
        var assignment = network.Assign(address, app, []);
        var signed = new Hearth.Protocol.WorkerApi.ContributionReport("0x" + new string('a', 64), "0x" + new string('b', 130), 0, null, 0.5, null);
        new WorkerStateStore(options.WorkFolder, address, Microsoft.Extensions.Logging.Abstractions.NullLogger<WorkerStateStore>.Instance)
            .Put(new HeldReplicate(assignment, DateTimeOffset.UtcNow, signed));

        await network.StartWorkerAsync(options);
        var delivered = await network.Scheduler.WaitForAsync(s => s.Contributions.FirstOrDefault(c => c.ReplicateId == assignment.ReplicateId).Report, "the pending contribution");

        Assert.Equal(signed, delivered);
        Assert.Empty(network.Scheduler.Read(s => s.Progress.ToList()));
    }

    [Fact]
    public async Task State_file_of_another_worker_is_ignored()
    {
        using var dir = new TempDir();
        var store = new WorkerStateStore(dir.Path, "0x1111111111111111111111111111111111111111", Microsoft.Extensions.Logging.Abstractions.NullLogger<WorkerStateStore>.Instance);
        await using var network = await TestNetwork.StartAsync(output);
        var app = await network.PutAsync("app"u8.ToArray());
        store.Put(new HeldReplicate(network.Assign("0x1111111111111111111111111111111111111111", app, []), DateTimeOffset.UtcNow));

        var same = new WorkerStateStore(dir.Path, "0x1111111111111111111111111111111111111111", Microsoft.Extensions.Logging.Abstractions.NullLogger<WorkerStateStore>.Instance);
        var other = new WorkerStateStore(dir.Path, "0x2222222222222222222222222222222222222222", Microsoft.Extensions.Logging.Abstractions.NullLogger<WorkerStateStore>.Instance);

        Assert.Single(same.Load());
        Assert.Empty(other.Load());
        Assert.False(File.Exists(store.Path + ".tmp"));
    }
}
