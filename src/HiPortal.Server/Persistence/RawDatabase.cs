using System.Data.Common;
using Npgsql;

namespace HiPortal.Server.Persistence;

/// <summary>
/// What hand-written SQL needs that differs between the providers; one implementation per provider, registered by
/// the provider switch. The SQL itself is shared: identifiers double-quoted (PostgreSQL folds unquoted names to
/// lower case, SQLite accepts the quotes) and parameters named <c>@name</c> (both accept that).
/// </summary>
public interface IRawDatabase
{
    /// <summary>A connection for the hot path (decision lookups, batched inserts), pooled by the provider.</summary>
    Task<RawConnection> OpenAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The connection for the decision writer's batches: SQLite's one writer connection (exclusive while leased, its
    /// page cache kept warm), PostgreSQL's pool.
    /// </summary>
    Task<RawConnection> OpenWriterAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// A write transaction on <paramref name="connection"/> that keeps the one-writer-at-a-time rule EF Core's
    /// transactions have: SQLite's <c>BEGIN IMMEDIATE</c>, PostgreSQL's writer lock (<see cref="PostgresWriteLock"/>).
    /// </summary>
    ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken = default);

    /// <summary>A sum that is a double and never fails on overflow (SQLite's <c>TOTAL()</c>).</summary>
    string Total(string expression);

    /// <summary>
    /// A lock that one instance on this database holds at a time, for work that only one of them should do (a
    /// retention pass); null when another instance holds it. Disposing releases it. SQLite: always granted.
    /// </summary>
    Task<IAsyncDisposable?> TryLockAsync(long key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gives up to <paramref name="pages"/> free pages of the database file back to the file system, inside
    /// <paramref name="transaction"/>, and says how many it gave and how many free ones are left. SQLite keeps the pages
    /// of deleted rows in its file (<c>auto_vacuum=INCREMENTAL</c> lets it move them to the end and cut them off);
    /// PostgreSQL's autovacuum does this on its own, so there it is (0, 0).
    /// </summary>
    Task<(long Freed, long Left)> ReclaimAsync(DbConnection connection, DbTransaction transaction, int pages,
        CancellationToken cancellationToken = default);
}

/// <summary>The lock SQLite's side hands out where PostgreSQL's takes one: one process owns the file.</summary>
internal sealed class NoLock : IAsyncDisposable
{
    public static readonly NoLock Instance = new();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>A connection borrowed for raw SQL; disposing gives it back to its pool.</summary>
public sealed class RawConnection(DbConnection connection, Func<DbConnection, bool, ValueTask> giveBack) : IAsyncDisposable
{
    public DbConnection Connection { get; } = connection;

    /// <summary>Set when the connection saw an error and should not be reused.</summary>
    public bool Broken { get; set; }

    public ValueTask DisposeAsync() => giveBack(Connection, !Broken && Connection.State == System.Data.ConnectionState.Open);
}

public sealed class SqliteRawDatabase(SqliteConnectionFactory connections) : IRawDatabase
{
    public Task<RawConnection> OpenAsync(CancellationToken cancellationToken = default) => connections.OpenAsync(cancellationToken);

    public Task<RawConnection> OpenWriterAsync(CancellationToken cancellationToken = default) => connections.OpenWriterAsync(cancellationToken);

    public ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<DbTransaction>(((Microsoft.Data.Sqlite.SqliteConnection)connection).BeginTransaction(deferred: false));

    public string Total(string expression) => $"TOTAL({expression})";

    public Task<IAsyncDisposable?> TryLockAsync(long key, CancellationToken cancellationToken = default) =>
        Task.FromResult<IAsyncDisposable?>(NoLock.Instance);

    public async Task<(long Freed, long Left)> ReclaimAsync(DbConnection connection, DbTransaction transaction, int pages,
        CancellationToken cancellationToken = default)
    {
        var before = await FreePagesAsync(connection, transaction, cancellationToken);
        if (before == 0)
        {
            return (0, 0);
        }

        await using (var vacuum = SqlCommands.Create(connection, transaction, $"PRAGMA incremental_vacuum({pages})"))
        {
            await vacuum.ExecuteNonQueryAsync(cancellationToken);
        }

        var after = await FreePagesAsync(connection, transaction, cancellationToken);
        return (before - after, after);
    }

    private static async Task<long> FreePagesAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var count = SqlCommands.Create(connection, transaction, "PRAGMA freelist_count");
        return Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }
}

internal sealed class PostgresRawDatabase(NpgsqlDataSource dataSource) : IRawDatabase
{
    public async Task<RawConnection> OpenAsync(CancellationToken cancellationToken = default) =>
        new(await dataSource.OpenConnectionAsync(cancellationToken), static (connection, _) => connection.DisposeAsync());

    public Task<RawConnection> OpenWriterAsync(CancellationToken cancellationToken = default) => OpenAsync(cancellationToken);

    public async ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken = default)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            await PostgresWriteLock.AcquireAsync(connection, transaction, cancellationToken);
            return transaction;
        }
        catch
        {
            await transaction.DisposeAsync();
            throw;
        }
    }

    // float8 before summing: SUM over bigint would be numeric, and a double is what the SQLite side returns.
    public string Total(string expression) => $"COALESCE(SUM(CAST({expression} AS double precision)), 0)";

    /// <summary>A session-level advisory lock on a connection of its own, held until disposed.</summary>
    public async Task<IAsyncDisposable?> TryLockAsync(long key, CancellationToken cancellationToken = default)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var take = new NpgsqlCommand($"SELECT pg_try_advisory_lock({key})", connection);
            if (await take.ExecuteScalarAsync(cancellationToken) is true)
            {
                return new PostgresSessionLock(connection, key);
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        await connection.DisposeAsync();
        return null;
    }

    public Task<(long Freed, long Left)> ReclaimAsync(DbConnection connection, DbTransaction transaction, int pages,
        CancellationToken cancellationToken = default) => Task.FromResult((0L, 0L));
}

/// <summary>A PostgreSQL session-level advisory lock, held by a connection of its own until disposed.</summary>
internal sealed class PostgresSessionLock(NpgsqlConnection connection, long key) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        try
        {
            // Closing the session would release it too, but a pooled connection's session lives on, and unlocking
            // first lets a waiting instance go at once.
            await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({key})", connection);
            await release.ExecuteNonQueryAsync();
        }
        finally
        {
            await connection.DisposeAsync();
        }
    }
}
