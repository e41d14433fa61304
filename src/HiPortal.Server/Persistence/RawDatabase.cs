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
}
