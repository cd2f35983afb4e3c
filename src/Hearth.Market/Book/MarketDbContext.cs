using Microsoft.EntityFrameworkCore;

namespace Hearth.Market.Book;

public sealed class MarketDbContext(DbContextOptions<MarketDbContext> options) : DbContext(options)
{
    public DbSet<StoredOrder> Orders => Set<StoredOrder>();

    public DbSet<ChainCursor> Cursors => Set<ChainCursor>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        var order = model.Entity<StoredOrder>();
        order.ToTable("orders");
        order.HasKey(o => o.Hash);
        order.Property(o => o.Hash).HasMaxLength(66);
        order.Property(o => o.PriceKey).HasMaxLength(UintKey.Digits);
        order.Property(o => o.RemainingKey).HasMaxLength(UintKey.Digits);
        order.Property(o => o.Requester).HasMaxLength(42);
        // The queries: cheapest open orders of a kind, narrowed by one asset; the sync: open orders of one asset, and
        // a requester's open requests (a later deal of a request does not carry the request's hash).
        order.HasIndex(o => new { o.Kind, o.Status, o.PriceKey });
        order.HasIndex(o => new { o.Kind, o.App });
        order.HasIndex(o => new { o.Kind, o.Dataset });
        order.HasIndex(o => new { o.Kind, o.Workerpool });
        order.HasIndex(o => new { o.Kind, o.Requester });
        order.HasIndex(o => new { o.Status, o.Expiry });

        var cursor = model.Entity<ChainCursor>();
        cursor.ToTable("chain_cursor");
        cursor.HasKey(c => c.Id);
        cursor.Property(c => c.Id).ValueGeneratedNever();
    }
}
