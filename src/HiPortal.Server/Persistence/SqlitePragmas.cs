using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace HiPortal.Server.Persistence;

/// <summary>
/// WAL lets the dashboard read while the worker writes; it is a property of the database file, set once at
/// start-up. A busy timeout (per connection) makes concurrent writers wait inside SQLite instead of failing;
/// Jellyfin does the same under load. <c>synchronous=NORMAL</c> in WAL mode keeps every commit across a process
/// crash and skips an fsync per commit (a power loss can drop the last commits; FULL would not).
/// <c>wal_autocheckpoint</c> is 8,000 pages (32 MiB at 4 KiB pages) instead of 1,000: a checkpoint copies every page
/// changed since the last one into the database file and fsyncs both files, and the decision indexes' hot pages change
/// in every batch, so fewer, larger checkpoints copy each of them once instead of eight times. Durability is the
/// same (a commit is durable once in the WAL); the WAL file can grow to about 32 MiB before it is reused.
/// </summary>
public sealed class SqlitePragmas : DbConnectionInterceptor
{
    public const string PerConnectionSql = "PRAGMA busy_timeout=10000; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=8000;";
    public const string DatabaseSql = "PRAGMA journal_mode=WAL;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => ApplyPerConnection(connection);

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData,
        CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = PerConnectionSql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static void ApplyPerConnection(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = PerConnectionSql;
        command.ExecuteNonQuery();
    }
}
