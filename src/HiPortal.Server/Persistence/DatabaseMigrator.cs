using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace HiPortal.Server.Persistence;

/// <summary>Brings the schema up to date at start-up, before the host serves anything.</summary>
public interface IDatabaseMigrator
{
    /// <summary>
    /// Held across the start-up steps that must not interleave between instances sharing a database (migrating,
    /// creating the first admin); disposing releases it.
    /// </summary>
    Task<IAsyncDisposable> LockStartupAsync(CancellationToken cancellationToken);

    Task MigrateAsync(CancellationToken cancellationToken);
}

internal sealed class SqliteMigrator(IDbContextFactory<HiPortalDb> factory, Microsoft.Extensions.Options.IOptions<DatabaseOptions> options,
    ILogger<SqliteMigrator> logger) : IDatabaseMigrator
{
    /// <summary><c>PRAGMA auto_vacuum</c>'s value for INCREMENTAL.</summary>
    internal const long IncrementalVacuum = 2;

    private const string FileBytesSql = "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()";

    /// <summary>One process owns a SQLite file: nothing to serialise with.</summary>
    public Task<IAsyncDisposable> LockStartupAsync(CancellationToken cancellationToken) => Task.FromResult<IAsyncDisposable>(NoLock.Instance);

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken);
        await UseIncrementalVacuumAsync(db.Database.GetDbConnection(), cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
        await db.Database.ExecuteSqlRawAsync(SqlitePragmas.DatabaseSql, cancellationToken);
    }

    /// <summary>
    /// Retention deletes rows, and SQLite keeps the freed pages inside its file unless <c>auto_vacuum</c> is
    /// INCREMENTAL, which lets <c>PRAGMA incremental_vacuum</c> hand them back (<see cref="IRawDatabase.ReclaimAsync"/>).
    /// The mode is a property of the file: a new one gets it before its first table; a file made by an older build is
    /// rewritten once with <c>VACUUM</c>, which needs free disk space about the file's size. When that fails (a full
    /// disk) the server goes on as before, with freed pages reused but never given back, and says so.
    /// </summary>
    private async Task UseIncrementalVacuumAsync(System.Data.Common.DbConnection connection, CancellationToken cancellationToken)
    {
        if (await ScalarAsync(connection, "PRAGMA auto_vacuum", cancellationToken) == IncrementalVacuum)
        {
            return;
        }

        var tables = await ScalarAsync(connection, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'", cancellationToken);
        var bytes = tables == 0 ? 0 : await ScalarAsync(connection, FileBytesSql, cancellationToken);
        if (tables > 0 && !options.Value.RewriteOlderFile)
        {
            logger.LogWarning("The database file ({MiB:F1} MiB) predates incremental auto-vacuum and Database:RewriteOlderFile is false: " +
                "space freed by retention stays inside it and is reused; a start with the setting true rewrites it once", bytes / 1048576.0);
            return;
        }

        await ExecuteAsync(connection, "PRAGMA auto_vacuum=INCREMENTAL", cancellationToken);
        if (tables == 0)
        {
            return;
        }

        logger.LogInformation("Rewriting the database file once ({MiB:F1} MiB) so that space freed by retention goes back to the disk",
            bytes / 1048576.0);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            await ExecuteAsync(connection, "VACUUM", cancellationToken);
            logger.LogInformation("Rewrote the database file in {Seconds:F1} s; it is now {MiB:F1} MiB",
                System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds,
                await ScalarAsync(connection, FileBytesSql, cancellationToken) / 1048576.0);
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            logger.LogWarning(ex, "Could not rewrite the database file; freed space stays inside it and is reused, and the next start tries again");
        }
    }

    private static async Task<long> ScalarAsync(System.Data.Common.DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = SqlCommands.Create(connection, null, sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(System.Data.Common.DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = SqlCommands.Create(connection, null, sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>
/// Several instances may start at once against one database: each takes a session-level advisory lock first, so
/// exactly one applies the pending migrations (and creates the first admin) while the others wait, then find
/// nothing left to do.
/// </summary>
internal sealed class PostgresMigrator(IDbContextFactory<HiPortalDb> factory, NpgsqlDataSource dataSource, ILogger<PostgresMigrator> logger)
    : IDatabaseMigrator
{
    /// <summary>Any fixed 64-bit key; this one is "HiPortal" in ASCII, so it is recognisable in pg_locks.</summary>
    public const long LockKey = 0x4869506f7274616c;

    public async Task<IAsyncDisposable> LockStartupAsync(CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var take = new NpgsqlCommand($"SELECT pg_advisory_lock({LockKey})", connection);
            await take.ExecuteNonQueryAsync(cancellationToken);
            return new PostgresSessionLock(connection, LockKey);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count == 0)
        {
            logger.LogInformation("The database schema is up to date");
            return;
        }

        logger.LogInformation("Applying {Count} migrations: {Migrations}", pending.Count, string.Join(", ", pending));
        await db.Database.MigrateAsync(cancellationToken);
    }
}
