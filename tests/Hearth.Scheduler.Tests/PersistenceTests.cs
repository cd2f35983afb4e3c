using Hearth.Protocol;
using Hearth.Protocol.Deals;
using Hearth.Scheduler.Persistence;
using Hearth.Scheduler.State;
using Microsoft.EntityFrameworkCore;
using TaskStatus = Hearth.Scheduler.State.TaskStatus;

namespace Hearth.Scheduler.Tests;

/// <summary>The same persistence tests on every provider: schema, round trips, history, concurrency guards, and a
/// scheduler restarted mid-deal on that database.</summary>
public abstract class PersistenceTests : IAsyncLifetime
{
    protected TempDir Dir { get; } = new();

    protected abstract void UseDatabase(SchedulerOptions options);

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync()
    {
        Dir.Dispose();
        return Task.CompletedTask;
    }

    private SchedulerOptions Options()
    {
        var o = new SchedulerOptions { SqlitePath = Dir.File("p.db") };
        UseDatabase(o);
        return o;
    }

    private async Task<SchedulerDb> OpenAsync()
    {
        var builder = new DbContextOptionsBuilder<SchedulerDb>();
        Database.Configure(builder, Options());
        var db = new SchedulerDb(builder.Options);
        await Database.EnsureSchemaAsync(db, CancellationToken.None);
        return db;
    }

    private static Deal SampleDeal() => new()
    {
        App = 7, AppOwner = "0x1111111111111111111111111111111111111111", AppPrice = System.Numerics.BigInteger.Parse("79228162514264337593543950335"),
        Workerpool = 2, Scheduler = "0x2222222222222222222222222222222222222222", PoolPrice = 1_000_000_000, Volume = 3, Trust = 5,
        Category = 1, Start = 1_700_000_000, Deadline = 1_700_012_000, WorkerStake = 300_000_000, SchedulerShare = 1, Tag = [.. new byte[31], 1],
    };

    private static (DealEntity Deal, TaskEntity Task) Sample()
    {
        var dealId = Hash32.Keccak("deal"u8);
        var deal = new DealEntity { DealId = dealId.ToString(), Status = DealStatus.Active, CreatedBlock = 12, CreatedBlockHash = "0xab", Params = "x" };
        deal.SetTerms(SampleDeal());
        var task = new TaskEntity { TaskId = Ids.TaskId(dealId, 0).ToString(), DealId = deal.DealId, Index = 0, Status = TaskStatus.Pending };
        return (deal, task);
    }

    [Fact]
    public async Task Deal_terms_round_trip_exactly()
    {
        var (deal, task) = Sample();
        await using (var db = await OpenAsync())
        {
            db.Deals.Add(deal);
            db.Tasks.Add(task);
            await db.SaveChangesAsync();
        }
        await using (var db = await OpenAsync())
        {
            var stored = await db.Deals.SingleAsync(d => d.DealId == deal.DealId);
            Assert.Equal(System.Text.Json.JsonSerializer.Serialize(SampleDeal()), System.Text.Json.JsonSerializer.Serialize(stored.ToDeal()));
            Assert.Equal(DealStatus.Active, stored.Status);
        }
    }

    [Fact]
    public async Task Transitions_are_recorded_with_their_reasons_and_illegal_ones_refused()
    {
        var (deal, task) = Sample();
        await using (var db = await OpenAsync())
        {
            db.Deals.Add(deal);
            db.Tasks.Add(task);
            TaskStateMachine.Move(db, task, TaskStatus.Running, "replicate placed", 1);
            TaskStateMachine.Explain(db, task, "needs 1 more agreeing contribution (trust 5)", 2);
            Assert.Throws<InvalidTransitionException>(() => TaskStateMachine.Move(db, task, TaskStatus.Settled, "skipping ahead", 3));
            await db.SaveChangesAsync();
        }
        await using (var db = await OpenAsync())
        {
            var history = await db.StatusChanges.Where(s => s.EntityId == task.TaskId).OrderBy(s => s.Id).ToListAsync();
            Assert.Equal(["Pending→Running: replicate placed", "Running→Running: needs 1 more agreeing contribution (trust 5)"],
                history.Select(h => $"{h.From}→{h.To}: {h.Reason}"));
            Assert.Equal(TaskStatus.Running, (await db.Tasks.SingleAsync()).Status);
        }
    }

    [Fact]
    public async Task A_concurrent_update_of_a_task_fails_instead_of_overwriting()
    {
        var (deal, task) = Sample();
        await using (var db = await OpenAsync())
        {
            db.Deals.Add(deal);
            db.Tasks.Add(task);
            await db.SaveChangesAsync();
        }
        await using var a = await OpenAsync();
        await using var b = await OpenAsync();
        var ta = await a.Tasks.SingleAsync();
        var tb = await b.Tasks.SingleAsync();
        TaskStateMachine.Move(a, ta, TaskStatus.Running, "worker A", 1);
        await a.SaveChangesAsync();
        TaskStateMachine.Move(b, tb, TaskStatus.Running, "worker B", 1);
        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => b.SaveChangesAsync());
    }

    [Fact]
    public async Task History_of_a_large_save_keeps_its_order_and_a_refused_save_writes_none()
    {
        var (deal, task) = Sample();
        await using (var db = await OpenAsync())
        {
            db.Deals.Add(deal);
            db.Tasks.Add(task);
            History.Record(db, TaskStateMachine.Entity, task.TaskId, null, "Pending", "created", 0);
            for (var i = 1; i <= 1_000; i++) TaskStateMachine.Explain(db, task, $"explanation {i} ünïcode 'quoted' \"double\"", i);
            await db.SaveChangesAsync();
        }
        await using (var db = await OpenAsync())
        {
            var history = await db.StatusChanges.Where(s => s.EntityId == task.TaskId).OrderBy(s => s.Id).ToListAsync();
            Assert.Equal(1_001, history.Count);
            Assert.Null(history[0].From);
            Assert.Equal(Enumerable.Range(0, 1_001).Select(i => (long)i), history.Select(h => h.AtMs));
            Assert.Equal("explanation 1000 ünïcode 'quoted' \"double\"", history[^1].Reason);
        }

        // A save refused by the concurrency guard leaves no history behind: the rows go in the same transaction.
        await using var a = await OpenAsync();
        await using var b = await OpenAsync();
        var ta = await a.Tasks.SingleAsync();
        var tb = await b.Tasks.SingleAsync();
        TaskStateMachine.Move(a, ta, TaskStatus.Running, "worker A", 2_000);
        await a.SaveChangesAsync();
        TaskStateMachine.Move(b, tb, TaskStatus.Running, "worker B", 2_001);
        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => b.SaveChangesAsync());
        await using var check = await OpenAsync();
        Assert.Equal(0, await check.StatusChanges.CountAsync(s => s.Reason == "worker B"));
        Assert.Equal(1, await check.StatusChanges.CountAsync(s => s.Reason == "worker A"));
    }

    [Fact]
    public async Task A_worker_cannot_hold_two_replicates_of_one_task()
    {
        var (deal, task) = Sample();
        await using var db = await OpenAsync();
        db.Deals.Add(deal);
        db.Tasks.Add(task);
        db.Replicates.Add(new ReplicateEntity { ReplicateId = "r-1", TaskId = task.TaskId, DealId = deal.DealId, Worker = "0xaa" });
        await db.SaveChangesAsync();
        db.Replicates.Add(new ReplicateEntity { ReplicateId = "r-2", TaskId = task.TaskId, DealId = deal.DealId, Worker = "0xaa" });
        await Assert.ThrowsAnyAsync<DbUpdateException>(() => db.SaveChangesAsync());
    }

    [Fact]
    public async Task A_scheduler_restarted_mid_deal_loses_no_task_and_settles_none_twice()
    {
        await using var net = await TestNetwork.StartAsync(workers: 1);
        var options = net.Options(o => { UseDatabase(o); o.SettlementBatchSize = 2; o.SettlementMaxDelayMs = 600_000; });
        var server = await net.StartSchedulerAsync(options);
        var domain = net.Requester.Domain;
        var match = await net.MatchAsync(volume: 5, trust: 1);
        using (var worker = await new TestWorker(server.BaseUrl, net.WorkerKey(0), net.Pool.ToString(), domain).LoginAsync(slots: 1))
        {
            // Two tasks settle as a full batch, a third is contributed and waits for its batch to fill.
            for (var i = 0; i < 3; i++)
            {
                var a = await worker.NextRequiredAsync();
                await worker.ContributeOkAsync(a, TestWorker.HonestDigest(a.TaskId));
            }
            using var http = new HttpClient { BaseAddress = server.BaseUrl };
            await ReadApi.DealWhereAsync(http, match.DealId.ToString(), d => d.TasksByStatus.GetValueOrDefault("Settled") == 2, "the first batch");
        }
        await net.StopAsync(server);

        // The restarted scheduler no longer waits for full batches, so the task left waiting settles at once.
        options.SettlementMaxDelayMs = 0;

        var restarted = await net.StartSchedulerAsync(options);
        using var again = await new TestWorker(restarted.BaseUrl, net.WorkerKey(0), net.Pool.ToString(), domain).LoginAsync(slots: 1);
        for (var i = 0; i < 2; i++)
        {
            var a = await again.NextRequiredAsync();
            await again.ContributeOkAsync(a, TestWorker.HonestDigest(a.TaskId));
        }
        using var http2 = new HttpClient { BaseAddress = restarted.BaseUrl };
        var deal = await ReadApi.DealWhereAsync(http2, match.DealId.ToString(), d => d.Tasks.All(t => t.Status == "Settled"), "every task settled after the restart");
        Assert.Equal(5, deal.Tasks.Count);
        var settled = await net.Requester.TasksSettledAsync(match.DealId);
        Assert.Equal([0, 1, 2, 3, 4], settled.Select(s => (int)s.Task).Order());
    }
}

public sealed class SqlitePersistenceTests : PersistenceTests
{
    protected override void UseDatabase(SchedulerOptions options)
    {
        options.Database = DatabaseProvider.Sqlite;
        options.SqlitePath = Dir.File("scheduler.db");
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresCluster>
{
    public const string Name = "postgres";
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresPersistenceTests(PostgresCluster cluster) : PersistenceTests
{
    private readonly string _database = "hearth_" + Guid.NewGuid().ToString("N")[..12];

    protected override void UseDatabase(SchedulerOptions options)
    {
        options.Database = DatabaseProvider.PostgreSql;
        options.ConnectionString = cluster.ConnectionString(_database);
    }
}
