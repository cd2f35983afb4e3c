namespace Hearth.Scheduler.Tests;

/// <summary>Replicates placed ahead of a worker's free slots wait for it; never more than the configured number.</summary>
public sealed class AssignmentsAheadTests
{
    [Fact]
    public async Task A_worker_finds_its_next_task_waiting_but_is_never_given_more_than_one_ahead_per_slot()
    {
        await using var net = await TestNetwork.StartAsync(workers: 1);
        var server = await net.StartSchedulerAsync(net.Options(o => o.AssignmentsAheadPerSlot = 1));
        using var worker = await new TestWorker(server.BaseUrl, net.WorkerKey(0), net.Pool.ToString(), net.Requester.Domain).LoginAsync(slots: 1);
        await net.MatchAsync(volume: 4, trust: 1);

        var first = await worker.NextRequiredAsync();
        // The slot is busy with the first task, yet the second is already there: no wait for a placement round.
        var second = await worker.NextAsync(waitSeconds: 0);
        Assert.NotNull(second);
        Assert.NotEqual(first.TaskId, second.TaskId);
        // One slot, one ahead: a third waits until a task ends.
        Assert.Null(await worker.NextAsync(waitSeconds: 1));

        await worker.ContributeOkAsync(first, TestWorker.HonestDigest(first.TaskId));
        var third = await worker.NextRequiredAsync();
        Assert.NotEqual(second.TaskId, third.TaskId);
        Assert.NotEqual(first.TaskId, third.TaskId);
    }
}
