using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace HiPortal.Server.Persistence;

/// <summary>Brings the schema up to date at start-up, before the host serves anything.</summary>
public interface IDatabaseMigrator
{
    Task MigrateAsync(CancellationToken cancellationToken);
}

internal sealed class SqliteMigrator(IDbContextFactory<HiPortalDb> factory) : IDatabaseMigrator
{
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
        await db.Database.ExecuteSqlRawAsync(SqlitePragmas.DatabaseSql, cancellationToken);
    }
}

/// <summary>
/// Several instances may start at once against one database: each takes a session-level advisory lock first, so
/// exactly one applies the pending migrations while the others wait, then find nothing left to apply.
/// </summary>
internal sealed class PostgresMigrator(IDbContextFactory<HiPortalDb> factory, NpgsqlDataSource dataSource, ILogger<PostgresMigrator> logger)
    : IDatabaseMigrator
{
    /// <summary>Any fixed 64-bit key; this one is "HiPortal" in ASCII, so it is recognisable in pg_locks.</summary>
    public const long LockKey = 0x4869506f7274616c;

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var lockConnection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({LockKey})", lockConnection))
        {
            await take.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            await using var db = await factory.CreateDbContextAsync(cancellationToken);
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            if (pending.Count > 0)
            {
                logger.LogInformation("Applying {Count} migrations: {Migrations}", pending.Count, string.Join(", ", pending));
                await db.Database.MigrateAsync(cancellationToken);
            }
        }
        finally
        {
            // Closing the session would release it too; unlocking first lets a waiting instance go at once.
            await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({LockKey})", lockConnection);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }
}
