using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Hearth.Scheduler.Persistence;

/// <summary>
/// Sets <c>synchronous=NORMAL</c> on every SQLite connection: in WAL mode a commit then waits for no fsync, only a
/// checkpoint does. A crash of the process loses nothing; a power cut can lose the last commits, which the scheduler
/// recovers from like from a restart (the chain is read again from the cursor, workers resend what was not acknowledged).
/// </summary>
internal sealed class SqliteSynchronousNormal : DbConnectionInterceptor
{
    public static readonly SqliteSynchronousNormal Instance = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private static void Apply(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous=NORMAL;";
        command.ExecuteNonQuery();
    }
}
