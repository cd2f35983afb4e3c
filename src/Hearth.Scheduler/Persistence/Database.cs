using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Hearth.Scheduler.Persistence;

/// <summary>Configures the provider chosen in the options and creates the schema.</summary>
public static class Database
{
    public static void Configure(DbContextOptionsBuilder builder, SchedulerOptions options)
    {
        switch (options.Database)
        {
            case DatabaseProvider.PostgreSql:
                builder.UseNpgsql(options.ConnectionString);
                break;
            default:
                builder.UseSqlite(SqliteConnectionString(options)).AddInterceptors(SqliteSynchronousNormal.Instance);
                break;
        }
    }

    public static string SqliteConnectionString(SchedulerOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.ConnectionString)) return options.ConnectionString;
        var path = Path.GetFullPath(options.SqlitePath!);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Pooled: opening a connection re-reads the schema and maps the WAL index, which costs more than most queries.
        // The scheduler clears its pool when it stops, so a restarted one (tests) finds no old file handle.
        return new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();
    }

    /// <summary>Closes the pooled connections of a SQLite database, so its file can be removed or reopened afresh.</summary>
    public static void ReleaseSqlite(SchedulerOptions options)
    {
        if (options.Database != DatabaseProvider.Sqlite) return;
        using var connection = new SqliteConnection(SqliteConnectionString(options));
        SqliteConnection.ClearPool(connection);
    }

    /// <summary>Creates the schema when the database is new. The schema has no migrations yet: a change of it needs a fresh database.</summary>
    public static async Task EnsureSchemaAsync(SchedulerDb db, CancellationToken ct)
    {
        await db.Database.EnsureCreatedAsync(ct);
        if (db.Database.IsSqlite())
        {
            // WAL lets the read API and the workers' calls read while a loop writes.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
        }
    }
}
