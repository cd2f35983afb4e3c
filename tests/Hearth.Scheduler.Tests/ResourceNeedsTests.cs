using Hearth.Protocol.Orders;

namespace Hearth.Scheduler.Tests;

/// <summary>
/// A deal's tag holds what its request asked of each task (memory, output, scratch); the chain checked the pool order
/// offered it. The scheduler gives each replicate those limits, the same for every replica, and refuses a deal that asks
/// more than it gives (its pool order offered more than the pool is set up for).
/// </summary>
public sealed class ResourceNeedsTests
{
    private const long MiB = 1L << 20;
    private const long GiB = 1L << 30;

    [Fact]
    public async Task Each_replicate_runs_with_what_the_deal_asked_and_a_deal_without_needs_with_what_every_pool_gives()
    {
        await using var net = await TestNetwork.StartAsync(workers: 1);
        var server = await net.StartSchedulerAsync(net.Options(o => { o.TaskMemoryBytes = 2 * GiB; o.TaskOutputBytes = 4 * GiB; o.TaskScratchBytes = 4 * GiB; }));
        var offer = new ResourceNeeds(2 * GiB, 4 * GiB, 4 * GiB);
        var asking = await net.Requester.MatchOrdersAsync(net.MakeOrders(1, 1, needs: new ResourceNeeds(700 * MiB, null, 3 * GiB), offer: offer).Signed);

        using var worker = await new TestWorker(server.BaseUrl, net.WorkerKey(0), net.Pool.ToString(), net.Requester.Domain).LoginAsync(slots: 2);
        var assignment = await worker.NextRequiredAsync();
        Assert.Equal(asking.DealId.ToString(), assignment.DealId);
        Assert.Equal((GiB, 256 * MiB, 4 * GiB), (assignment.Limits.MemoryBytes, assignment.Limits.OutputBytes!.Value, assignment.Limits.ScratchBytes!.Value));

        await net.Requester.MatchOrdersAsync(net.MakeOrders(1, 1, offer: offer).Signed);
        await worker.HeartbeatAsync(2, assignment.ReplicateId);
        var plain = await worker.NextRequiredAsync();
        Assert.Equal((256 * MiB, 256 * MiB, 256 * MiB), (plain.Limits.MemoryBytes, plain.Limits.OutputBytes!.Value, plain.Limits.ScratchBytes!.Value));
    }

    [Fact]
    public async Task A_deal_asking_more_than_the_pool_gives_is_refused_with_what_it_lacks_and_the_next_deal_is_scheduled()
    {
        await using var net = await TestNetwork.StartAsync(workers: 1);
        var server = await net.StartSchedulerAsync(net.Options());
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        // The pool owner signed an order offering 2 GiB of memory; its scheduler gives 256 MiB.
        var tooMuch = await net.Requester.MatchOrdersAsync(net.MakeOrders(1, 1, needs: new ResourceNeeds(MemoryBytes: 2 * GiB), offer: new ResourceNeeds(MemoryBytes: 2 * GiB)).Signed);
        var fine = await net.MatchAsync(volume: 1, trust: 1);

        var refused = await ReadApi.DealWhereAsync(http, tooMuch.DealId.ToString(), d => d.Status == "Refused", "the deal asking too much refused");
        Assert.Equal("the deal asks for more than this pool gives a task (memory: 2 GiB asked, the pool offers up to 256 MiB)", refused.Reason);
        using var worker = await new TestWorker(server.BaseUrl, net.WorkerKey(0), net.Pool.ToString(), net.Requester.Domain).LoginAsync();
        Assert.Equal(fine.DealId.ToString(), (await worker.NextRequiredAsync()).DealId);
    }
}
