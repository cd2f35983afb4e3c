using Hearth.Market.Book;
using Hearth.Market.Verification;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hearth.Market.Http;

/// <summary>Creates the book's schema and checks that the chain is the configured one before anything is served:
/// with a wrong chain id every signature check would fail, each with a confusing message.</summary>
internal sealed class MarketStartup(
    IDbContextFactory<MarketDbContext> contexts,
    MarketChain chain,
    IOptions<MarketOptions> options,
    ILogger<MarketStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        var o = options.Value;
        var deployment = o.Deployment!;
        var chainId = await chain.ChainIdAsync(ct);
        if (chainId != deployment.ChainId)
            throw new InvalidOperationException($"Market:Deployment:ChainId is {deployment.ChainId} but the chain at {o.RpcUrl} is chain {chainId}.");
        if (!await chain.MarketHasCodeAsync(ct))
            throw new InvalidOperationException($"Market:Deployment:Market {deployment.Market} has no contract on the chain at {o.RpcUrl}: wrong address or a fresh chain.");

        var sqlite = string.IsNullOrWhiteSpace(o.PostgresConnectionString);
        if (sqlite) Directory.CreateDirectory(Path.GetDirectoryName(o.DatabasePath)!);
        await using var db = await contexts.CreateDbContextAsync(ct);
        // No migrations yet: the schema is created once; a changed schema needs a fresh database file.
        await db.Database.EnsureCreatedAsync(ct);
        if (sqlite)
        {
            // WAL lets the HTTP handlers read while the chain sync writes.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
        }
        var cursor = await db.Cursors.AsNoTracking().FirstOrDefaultAsync(c => c.Id == 1, ct);
        MarketLog.BookReady(logger, sqlite ? $"SQLite {o.DatabasePath}" : "PostgreSQL", cursor?.NextBlock ?? deployment.Block);
    }

    public Task StopAsync(CancellationToken ct)
    {
        // Pooled SQLite connections keep the file open; a stopped book must let its folder be removed.
        SqliteConnection.ClearAllPools();
        return Task.CompletedTask;
    }
}
