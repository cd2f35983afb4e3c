using System.Net;
using System.Net.Http.Json;
using Hearth.Protocol.WorkerApi;

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

    [Fact]
    public async Task A_contribution_can_carry_the_next_assignment_back_in_its_answer()
    {
        await using var net = await TestNetwork.StartAsync(workers: 1);
        var server = await net.StartSchedulerAsync(net.Options(o => o.AssignmentsAheadPerSlot = 1));
        using var worker = await new TestWorker(server.BaseUrl, net.WorkerKey(0), net.Pool.ToString(), net.Requester.Domain).LoginAsync(slots: 1);
        await net.MatchAsync(volume: 3, trust: 1);
        var first = await worker.NextRequiredAsync();

        // A malformed flag is refused before anything is recorded.
        using (var malformed = await worker.ContributeAsync(first, TestWorker.HonestDigest(first.TaskId), next: "banana"))
            Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);

        using var answer = await worker.ContributeAsync(first, TestWorker.HonestDigest(first.TaskId), next: "true");
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var second = (await answer.Content.ReadFromJsonAsync<Assignment>())!;
        Assert.NotEqual(first.TaskId, second.TaskId);
        Assert.False(string.IsNullOrEmpty(second.Authorization));

        // Delivered once: the next request gets the third task, not the second again.
        var third = await worker.NextRequiredAsync();
        Assert.NotEqual(second.TaskId, third.TaskId);
        Assert.NotEqual(first.TaskId, third.TaskId);

        // Nothing left to hand back: the contribution is still taken, with no assignment.
        await worker.ContributeOkAsync(second, TestWorker.HonestDigest(second.TaskId));
        using var last = await worker.ContributeAsync(third, TestWorker.HonestDigest(third.TaskId), next: "true");
        Assert.Equal(HttpStatusCode.NoContent, last.StatusCode);
    }
}
