using Hearth.Protocol;
using Hearth.Scheduler.Persistence;
using Hearth.Scheduler.Replication;
using Hearth.Scheduler.State;

namespace Hearth.Scheduler.Tests;

/// <summary>
/// What counts against a task's replicates: contributions and live replicates only. A replicate lost to the
/// infrastructure (a download, an upload, the worker itself, a restart, silence) does not use up the task's workers;
/// every replicate counts against the pool's bound on replicates per task.
/// </summary>
public sealed class PlacementBudgetTests
{
    [Fact]
    public async Task In_a_pool_of_one_worker_a_replicate_lost_to_a_download_failure_goes_to_the_same_worker_again_and_a_contributor_never_gets_its_task_again()
    {
        await using var net = await TestNetwork.StartAsync(workers: 1);
        var server = await net.StartSchedulerAsync(net.Options());
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        using var worker = await new TestWorker(server.BaseUrl, net.WorkerKey(0), net.Pool.ToString(), net.Requester.Domain).LoginAsync();
        var match = await net.MatchAsync(volume: 1, trust: 1);

        // Storage was briefly away: the worker gives the replicate back. It is the pool's only worker, and it computed
        // nothing: the task comes back to it (after the retry delay).
        var first = await worker.NextRequiredAsync();
        await worker.FailOkAsync(first, "download", "app module could not be downloaded after 3 attempts: connection refused");
        await worker.HeartbeatAsync();
        var again = await worker.NextAsync(20);
        Assert.True(again is not null, $"the task was not placed again: {(await ReadApi.TaskAsync(http, first.TaskId)).Reason}");
        Assert.Equal(first.TaskId, again.TaskId);
        Assert.NotEqual(first.ReplicateId, again.ReplicateId);
        await worker.ContributeOkAsync(again, TestWorker.HonestDigest(again.TaskId));

        var settled = await ReadApi.TaskWhereAsync(http, first.TaskId, t => t.Status is "Settled" or "Failed", "settlement");
        Assert.Equal("Settled", settled.Status);
        Assert.Equal("Failed", settled.Replicates.Single(r => r.ReplicateId == first.ReplicateId).Status);
        Assert.Equal("Agreed", settled.Replicates.Single(r => r.ReplicateId == again.ReplicateId).Status);
        Assert.Single(await net.Requester.TasksSettledAsync(match.DealId));

        // At trust 3 one new worker is not enough: a second must agree. The worker that contributed never gets the task
        // again, however long it asks, even though its first replicate of the task was lost to an upload failure.
        var replicated = await net.MatchAsync(volume: 1, trust: 3);
        var taskId = Ids.TaskId(replicated.DealId, 0).ToString();
        await worker.HeartbeatAsync();
        var lost = await worker.NextRequiredAsync();
        Assert.Equal(taskId, lost.TaskId);
        await worker.FailOkAsync(lost, "upload", "result archive could not be uploaded after 3 attempts: 503");
        await worker.HeartbeatAsync();
        var retried = await worker.NextAsync(20);
        Assert.True(retried is not null, $"the task was not placed again: {(await ReadApi.TaskAsync(http, taskId)).Reason}");
        Assert.Equal(taskId, retried.TaskId);
        await worker.ContributeOkAsync(retried, TestWorker.HonestDigest(taskId));
        await worker.HeartbeatAsync();
        Assert.Null(await worker.NextAsync(8));
        var waiting = await ReadApi.TaskWhereAsync(http, taskId, t => t.Reason.Contains("waiting for another worker"), "the task to wait for another worker");
        Assert.Equal("Contributed", waiting.Status);
        Assert.Equal(2, waiting.Replicates.Count);
        Assert.All(waiting.Replicates, r => Assert.Equal(worker.Address.ToLowerInvariant(), r.Worker));
    }

    [Fact]
    public async Task A_failure_of_the_task_itself_is_not_retried_on_the_same_worker_and_lost_replicates_are_bounded()
    {
        await using var net = await TestNetwork.StartAsync(workers: 1);
        var server = await net.StartSchedulerAsync(net.Options(o =>
        {
            o.ReplicateRetryDelayMs = 0;
            o.MaxReplicatesPerTask = Protocol.Deals.ConsensusRule.MaxContributions;
        }));
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        using var worker = await new TestWorker(server.BaseUrl, net.WorkerKey(0), net.Pool.ToString(), net.Requester.Domain).LoginAsync();

        // The module trapped: it would trap again on this worker. The task waits for another one.
        var trapping = await net.MatchAsync(volume: 1, trust: 1);
        var trapped = await worker.NextRequiredAsync();
        Assert.Equal(Ids.TaskId(trapping.DealId, 0).ToString(), trapped.TaskId);
        await worker.FailOkAsync(trapped, "trap", "wasm trap: unreachable");
        await worker.HeartbeatAsync();
        Assert.Null(await worker.NextAsync(3));
        var waiting = await ReadApi.TaskWhereAsync(http, trapped.TaskId, t => t.Reason.Contains("waiting for another worker"), "the task to wait for another worker");
        Assert.Equal("Pending", waiting.Status);

        // Storage never comes back: the task is placed again and again on the same worker, up to the bound, then fails.
        var lost = await net.MatchAsync(volume: 1, trust: 1);
        var taskId = Ids.TaskId(lost.DealId, 0).ToString();
        for (var i = 0; i < Protocol.Deals.ConsensusRule.MaxContributions; i++)
        {
            await worker.HeartbeatAsync();
            var a = await worker.NextRequiredAsync();
            Assert.Equal(taskId, a.TaskId);
            await worker.FailOkAsync(a, "download", $"dataset could not be downloaded (attempt {i})");
        }
        var failed = await ReadApi.TaskWhereAsync(http, taskId, t => t.Status == "Failed", "the task to be given up");
        Assert.Contains($"given up after {Protocol.Deals.ConsensusRule.MaxContributions} replicates (Scheduler:MaxReplicatesPerTask", failed.Reason);
        Assert.Contains("dataset could not be downloaded", failed.Reason);
        Assert.Equal(Protocol.Deals.ConsensusRule.MaxContributions, failed.Replicates.Count);
        await worker.HeartbeatAsync();
        Assert.Null(await worker.NextAsync(1));
    }

    [Fact]
    public async Task The_database_refuses_a_second_live_replicate_of_a_task_on_one_worker_but_not_one_after_a_loss()
    {
        using var dir = new TempDir();
        var options = new SchedulerOptions { SqlitePath = dir.File("budget.db") };
        var builder = new Microsoft.EntityFrameworkCore.DbContextOptionsBuilder<SchedulerDb>();
        Persistence.Database.Configure(builder, options);
        try
        {
            await using (var db = new SchedulerDb(builder.Options))
            {
                await Persistence.Database.EnsureSchemaAsync(db, default);
                db.Replicates.Add(Replicate("r-1", ReplicateStatus.Failed));
                db.Replicates.Add(Replicate("r-2", ReplicateStatus.Abandoned));
                db.Replicates.Add(Replicate("r-3", ReplicateStatus.Contributed));
                await db.SaveChangesAsync();
            }
            await using (var db = new SchedulerDb(builder.Options))
            {
                db.Replicates.Add(Replicate("r-4", ReplicateStatus.Assigned));
                await Assert.ThrowsAsync<Microsoft.EntityFrameworkCore.DbUpdateException>(() => db.SaveChangesAsync());
            }
        }
        finally
        {
            Persistence.Database.ReleaseSqlite(options);
        }

        static ReplicateEntity Replicate(string id, ReplicateStatus status) =>
            new() { ReplicateId = id, TaskId = "0x01", DealId = "0x02", Worker = "0xw", Status = status, Reason = "test" };
    }

    [Theory]
    [InlineData(ReplicateStatus.Failed, "download", false)]
    [InlineData(ReplicateStatus.Failed, "upload", false)]
    [InlineData(ReplicateStatus.Failed, "internal", false)]
    [InlineData(ReplicateStatus.Failed, "restarted", false)]
    [InlineData(ReplicateStatus.Failed, "trap", true)]
    [InlineData(ReplicateStatus.Failed, "timeout", true)]
    [InlineData(ReplicateStatus.Failed, "integrity", true)]
    [InlineData(ReplicateStatus.Failed, "invalid-assignment", true)]
    [InlineData(ReplicateStatus.Abandoned, null, false)]
    [InlineData(ReplicateStatus.Cancelled, null, false)]
    [InlineData(ReplicateStatus.Assigned, null, true)]
    [InlineData(ReplicateStatus.Running, null, true)]
    [InlineData(ReplicateStatus.Contributed, null, true)]
    [InlineData(ReplicateStatus.Agreed, null, true)]
    [InlineData(ReplicateStatus.Disagreed, null, true)]
    public void Only_a_contribution_a_live_replicate_or_a_failure_of_the_task_itself_bars_a_worker(ReplicateStatus status, string? kind, bool bars)
    {
        // The kind is the worker's own word, kept in its column: a reason that quotes another kind does not count.
        var replicate = new ReplicateEntity { Status = status, FailureKind = kind, Reason = "worker 0x976ea74026e726554db657fa54763abd0c3a0aa9 reported download: words" };
        Assert.Equal(bars, ReplicateBudget.BarsWorker(replicate));
        Assert.Equal(status is ReplicateStatus.Assigned or ReplicateStatus.Running or ReplicateStatus.Contributed or ReplicateStatus.Agreed or ReplicateStatus.Disagreed,
            ReplicateBudget.Counts(replicate));
    }

    [Fact]
    public void The_new_limits_are_validated_at_start_up()
    {
        var o = new SchedulerOptions
        {
            RpcUrl = "http://127.0.0.1:8545", ChainId = 31337, WorkerpoolId = "1", SqlitePath = "x.db", ResultStorageUrl = "http://127.0.0.1:1/",
            SchedulerPrivateKey = "0x" + new string('1', 64),
            Deployment = new Chain.Market.HearthDeployment(31337, "0x" + new string('5', 40), "0x" + new string('2', 40), "0x" + new string('3', 40), "0x" + new string('4', 40), "0x" + new string('1', 40), 0),
        };
        Assert.True(new SchedulerOptionsValidator().Validate(null, o).Succeeded, string.Join(" ", new SchedulerOptionsValidator().Validate(null, o).Failures ?? []));
        o.MaxReplicatesPerTask = 3;
        o.ReplicateRetryDelayMs = -1;
        o.SettlementResendAfterSeconds = 0;
        o.SettlementCheckIntervalMs = 0;
        var failures = string.Join(" ", new SchedulerOptionsValidator().Validate(null, o).Failures!);
        Assert.Contains("Scheduler:MaxReplicatesPerTask must be between 24", failures);
        Assert.Contains("Scheduler:ReplicateRetryDelayMs", failures);
        Assert.Contains("Scheduler:SettlementResendAfterSeconds", failures);
        Assert.Contains("Scheduler:SettlementCheckIntervalMs", failures);
    }
}
