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

internal sealed class SqliteMigrator(IDbContextFactory<HiPortalDb> factory) : IDatabaseMigrator
{
    /// <summary>One process owns a SQLite file: nothing to serialise with.</summary>
    public Task<IAsyncDisposable> LockStartupAsync(CancellationToken cancellationToken) => Task.FromResult<IAsyncDisposable>(NoLock.Instance);

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
        await db.Database.ExecuteSqlRawAsync(SqlitePragmas.DatabaseSql, cancellationToken);
    }

    private sealed class NoLock : IAsyncDisposable
    {
        public static readonly NoLock Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
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
            return new StartupLock(connection);
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

    private sealed class StartupLock(NpgsqlConnection connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            // Closing the session would release it too; unlocking first lets a waiting instance go at once.
            await using (var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({LockKey})", connection))
            {
                await release.ExecuteNonQueryAsync();
            }

            await connection.DisposeAsync();
        }
    }
}
