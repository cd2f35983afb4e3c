using Microsoft.EntityFrameworkCore;

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
            // A deal's next pending tasks, in order, without reading the others.
            e.HasIndex(t => new { t.DealId, t.Status, t.Index });
        });
        b.Entity<ReplicateEntity>(e =>
        {
            e.HasKey(r => r.ReplicateId);
            e.Property(r => r.Status).HasConversion<string>().HasMaxLength(16);
            e.Property(r => r.Version).IsConcurrencyToken();
            // A worker runs a task at most once: replication needs independent workers.
            e.HasIndex(r => new { r.TaskId, r.Worker }).IsUnique();
            e.HasIndex(r => new { r.Worker, r.Status });
            // The active replicates of every worker (placement counts them each round).
            e.HasIndex(r => new { r.Status, r.Worker });
        });
        b.Entity<WorkerEntity>(e =>
        {
            e.HasKey(w => w.Address);
            e.Property(w => w.Version).IsConcurrencyToken();
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

    public override Task<int> SaveChangesAsync(CancellationToken cancellationToken = default)
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
        return base.SaveChangesAsync(cancellationToken);
    }
}
