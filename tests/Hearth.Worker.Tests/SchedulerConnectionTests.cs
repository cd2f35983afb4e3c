using System.Net;
using System.Net.Sockets;
using System.Text;
using Hearth.Protocol.Orders;
using Hearth.Protocol.WorkerApi;
using Hearth.Worker.Api;

namespace Hearth.Worker.Tests;

/// <summary>Login, tokens, the scheduler being away, and the scheduler's orders in heartbeats.</summary>
public sealed class SchedulerConnectionTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Client_names_the_scheduler_when_it_is_unreachable()
    {
        var port = FreePort();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        var client = new SchedulerApiClient(http, new WorkerIdentity(TestKeys.Worker(1), TestNetwork.Domain), TestNetwork.Workerpool, TimeSpan.FromSeconds(5));

        var error = await Assert.ThrowsAsync<SchedulerUnreachableException>(() => client.HeartbeatAsync(new HeartbeatRequest(1, 1, [], null), CancellationToken.None));

        Assert.Equal($"Scheduler at http://127.0.0.1:{port}/ is unreachable: connection refused (is the scheduler running?)", error.Message);
    }

    [Fact]
    public async Task Login_for_another_workerpool_is_refused_with_the_schedulers_reason()
    {
        await using var network = await TestNetwork.StartAsync(output);
        using var http = new HttpClient { BaseAddress = network.Scheduler.BaseUrl };
        var client = new SchedulerApiClient(http, new WorkerIdentity(TestKeys.Worker(1), TestNetwork.Domain), "8", TimeSpan.FromSeconds(5));

        var error = await Assert.ThrowsAsync<SchedulerUnauthorizedException>(() => client.LoginAsync(CancellationToken.None));

        Assert.Contains("this scheduler serves workerpool 7", error.Message);
    }

    [Fact]
    public async Task Worker_waits_for_a_scheduler_that_is_down_then_works_once_it_is_up()
    {
        await using var network = await TestNetwork.StartAsync(output, withScheduler: false);
        var port = FreePort();
        var worker = await network.StartWorkerAsync(network.WorkerOptions(1, new Uri($"http://127.0.0.1:{port}/")));

        await Eventually(() => worker.Status.LastSchedulerError is not null, "the worker noticing the scheduler is down");
        Assert.Contains("is unreachable: connection refused", worker.Status.LastSchedulerError);

        network.SchedulerOrNull = await FakeScheduler.StartAsync(TestNetwork.Workerpool, TestKeys.Scheduler, output, port);
        await network.Scheduler.WaitForAsync(s => s.Heartbeats.Any(), "a heartbeat");
        var app = await network.PutFileAsync(TestNetwork.App("montecarlo"));
        var assignment = network.Assign(worker.Address, app, ["1000", "9"]);
        network.Scheduler.Enqueue(worker.Address, assignment);

        await network.Scheduler.WaitForAsync(s => s.Contributions.Any(c => c.ReplicateId == assignment.ReplicateId), "the contribution");
    }

    [Fact]
    public async Task Worker_logs_in_again_when_its_token_is_refused()
    {
        await using var network = await TestNetwork.StartAsync(output);
        var worker = await network.StartWorkerAsync(network.WorkerOptions(1));
        await network.Scheduler.WaitForAsync(s => s.Heartbeats.Count > 0, "a first heartbeat");

        network.Scheduler.RevokeTokens();
        var after = network.Scheduler.Read(s => s.Heartbeats.Count);

        await network.Scheduler.WaitForAsync(s => s.Logins.Count >= 2 && s.Heartbeats.Count > after, "a heartbeat after a new login");
        Assert.All(network.Scheduler.Read(s => s.Logins.ToList()), login => Assert.Equal(worker.Address, login, ignoreCase: true));
    }

    [Fact]
    public async Task Replicate_cancelled_by_the_scheduler_stops_without_a_report()
    {
        await using var network = await TestNetwork.StartAsync(output);
        var worker = await network.StartWorkerAsync(network.WorkerOptions(1));
        var app = await network.PutAsync(Encoding.UTF8.GetBytes("""(module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))"""));
        var assignment = network.Assign(worker.Address, app, [], limits: new TaskLimits(120, 16L << 20, null));
        network.Scheduler.Enqueue(worker.Address, assignment);
        await network.Scheduler.WaitForAsync(s => s.Heartbeats.Any(h => h.Request.HeldReplicates.Contains(assignment.ReplicateId) && h.Request.FreeSlots == 0), "a heartbeat holding the replicate");

        network.Scheduler.Cancel(worker.Address, assignment.ReplicateId);
        var count = network.Scheduler.Read(s => s.Heartbeats.Count);

        await network.Scheduler.WaitForAsync(s => s.Heartbeats.Skip(count + 1).Any(h => h.Request.HeldReplicates.Count == 0 && h.Request.FreeSlots == 1), "a heartbeat holding nothing");
        Assert.Empty(network.Scheduler.Read(s => s.Failures.ToList()));
        Assert.Empty(network.Scheduler.Read(s => s.Contributions.ToList()));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Polls a condition the worker exposes only as state (60 s safety net).</summary>
    private static async Task Eventually(Func<bool> condition, string what)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > until)
                throw new TimeoutException($"never saw {what}");
            await Task.Delay(20);
        }
    }
}
