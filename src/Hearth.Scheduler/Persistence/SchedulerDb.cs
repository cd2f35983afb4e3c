using Hearth.Scheduler.State;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace Hearth.Scheduler.Persistence;

/// <summary>The pool's state. One schema for SQLite and PostgreSQL; times are unix milliseconds so both can compare them.</summary>
public sealed class SchedulerDb(DbContextOptions<SchedulerDb> options) : DbContext(options)
{
    public DbSet<DealEntity> Deals => Set<DealEntity>();
    public DbSet<TaskEntity> Tasks => Set<TaskEntity>();
    public DbSet<ReplicateEntity> Replicates => Set<ReplicateEntity>();
    public DbSet<WorkerEntity> Workers => Set<WorkerEntity>();
    public DbSet<StatusChangeEntity> StatusChanges => Set<StatusChangeEntity>();
    public DbSet<ChainCursorEntity> Cursors => Set<ChainCursorEntity>();
    public DbSet<ChainCheckpointEntity> Checkpoints => Set<ChainCheckpointEntity>();

    protected override void OnModelCreating(ModelBuilder b)
    {
        b.Entity<DealEntity>(e =>
        {
            e.HasKey(d => d.DealId);
            e.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
            e.HasIndex(d => d.CreatedBlock);
        });
        b.Entity<TaskEntity>(e =>
        {
            e.HasKey(t => t.TaskId);
            e.Property(t => t.Status).HasConversion<string>().HasMaxLength(20);
            e.Property(t => t.Version).IsConcurrencyToken();
            e.HasIndex(t => new { t.DealId, t.Index }).IsUnique();
            e.HasIndex(t => t.Status);
            e.HasIndex(t => new { t.Status, t.SettledBlock });
            // A deal's next pending tasks, in order, without reading the others.
            e.HasIndex(t => new { t.DealId, t.Status, t.Index });
        });
        b.Entity<ReplicateEntity>(e =>
        {
            e.HasKey(r => r.ReplicateId);
            e.Property(r => r.Status).HasConversion<string>().HasMaxLength(16);
            e.Property(r => r.Version).IsConcurrencyToken();
            // A task's replicates, by worker.
            e.HasIndex(r => new { r.TaskId, r.Worker });
            // A worker holds or has contributed to a task at most once: replication needs independent workers. A replicate
            // lost to the infrastructure (failed, abandoned) or cancelled leaves the index, so its worker may run the task
            // again (ReplicateBudget decides whether it does). Statuses are stored as their names.
            e.HasIndex(r => new { r.TaskId, r.Worker }, "IX_Replicates_TaskId_Worker_Live").IsUnique()
                .HasFilter(LiveOrContributedFilter);
            e.HasIndex(r => new { r.Worker, r.Status });
            // The active replicates of every worker (placement counts them each round).
            e.HasIndex(r => new { r.Status, r.Worker });
        });
        b.Entity<WorkerEntity>(e =>
        {
            e.HasKey(w => w.Address);
            e.Property(w => w.Version).IsConcurrencyToken();
            // Live workers (placement, the live cap) and long-gone ones (pruning).
            e.HasIndex(w => w.LastHeartbeatMs);
        });
        b.Entity<StatusChangeEntity>(e =>
        {
            e.HasKey(s => s.Id);
            e.HasIndex(s => new { s.Entity, s.EntityId });
        });
        b.Entity<ChainCursorEntity>().HasKey(c => c.Name);
        b.Entity<ChainCheckpointEntity>(e =>
        {
            e.HasKey(c => c.Block);
            e.Property(c => c.Block).ValueGeneratedNever();
        });
    }

    /// <summary>The replicates a worker may hold only one of per task (SQL of SQLite and PostgreSQL alike).</summary>
    private static readonly string LiveOrContributedFilter = "\"Status\" IN (" + string.Join(", ",
        new[] { ReplicateStatus.Assigned, ReplicateStatus.Downloading, ReplicateStatus.Running, ReplicateStatus.Uploading,
            ReplicateStatus.Contributed, ReplicateStatus.Agreed, ReplicateStatus.Disagreed }.Select(x => $"'{x}'")) + ")";

    /// <summary>Rows per history INSERT: six parameters each, well under SQLite's and PostgreSQL's limits.</summary>
    private const int HistoryRowsPerInsert = 400;

    /// <summary>
    /// Saves the tracked changes and appends the status history they came with, in one transaction. History rows go in
    /// as multi-row INSERTs: a task's life records about nine of them, and one statement per row was the largest share
    /// of a save's cost. Their ids follow the order they were recorded in, which is the order the read API shows.
    /// </summary>
    public override async Task<int> SaveChangesAsync(CancellationToken cancellationToken = default)
    {
        // Every save of a versioned row moves its version on, so a concurrent writer holding the old one fails.
        foreach (var entry in ChangeTracker.Entries().Where(e => e.State == EntityState.Modified))
        {
            switch (entry.Entity)
            {
                case TaskEntity t: t.Version++; break;
                case ReplicateEntity r: r.Version++; break;
                case WorkerEntity w: w.Version++; break;
            }
        }
        var history = ChangeTracker.Entries<StatusChangeEntity>().Where(e => e.State == EntityState.Added).ToList();
        if (history.Count == 0) return await base.SaveChangesAsync(cancellationToken);

        foreach (var entry in history) entry.State = EntityState.Detached;
        if (Database.CurrentTransaction is not null) return await SaveWithHistoryAsync(history, cancellationToken);
        await using var transaction = await Database.BeginTransactionAsync(cancellationToken);
        // This save is the transaction's only work: a savepoint around it (EF's default inside a transaction) would be
        // two statements more for nothing.
        Database.AutoSavepointsEnabled = false;
        try
        {
            var saved = await SaveWithHistoryAsync(history, cancellationToken);
            await transaction.CommitAsync(CancellationToken.None);
            return saved;
        }
        finally
        {
            Database.AutoSavepointsEnabled = true;
        }
    }

    private async Task<int> SaveWithHistoryAsync(List<EntityEntry<StatusChangeEntity>> history, CancellationToken ct)
    {
        var saved = await base.SaveChangesAsync(ct);
        // Once the changes are written, their history follows and the transaction commits: a stop does not interrupt it.
        foreach (var chunk in history.Select(e => e.Entity).Chunk(HistoryRowsPerInsert))
            await AppendHistoryAsync(chunk, CancellationToken.None);
        return saved + history.Count;
    }

    private Task<int> AppendHistoryAsync(StatusChangeEntity[] rows, CancellationToken ct)
    {
        var sql = new System.Text.StringBuilder("INSERT INTO \"StatusChanges\" (\"Entity\", \"EntityId\", \"From\", \"To\", \"Reason\", \"AtMs\") VALUES ");
        var values = new object?[rows.Length * 6];
        for (var i = 0; i < rows.Length; i++)
        {
            var p = i * 6;
            sql.Append(i == 0 ? "" : ", ").Append($"({{{p}}}, {{{p + 1}}}, {{{p + 2}}}, {{{p + 3}}}, {{{p + 4}}}, {{{p + 5}}})");
            (values[p], values[p + 1], values[p + 2], values[p + 3], values[p + 4], values[p + 5]) =
                (rows[i].Entity, rows[i].EntityId, rows[i].From, rows[i].To, rows[i].Reason, rows[i].AtMs);
        }
        return Database.ExecuteSqlRawAsync(sql.ToString(), values!, ct);
    }
}
