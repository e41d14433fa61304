using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace HiPortal.Server.Persistence;

/// <summary>
/// Raw SQLite connections for the hot path (decision lookups and batched inserts). They are kept open and reused,
/// so the per-connection pragmas run once per connection rather than once per request.
/// </summary>
/// <remarks>
/// The decision writer has one connection of its own (<see cref="OpenWriterAsync"/>), with a larger page cache. A
/// connection's cache stays valid only while no other connection writes the file; the writer's batches used to
/// take any pooled connection, whose cache another writer had made stale, so every batch re-read the indexes'
/// pages it inserts into with <c>pread</c>. One connection that does nearly all the writing keeps them cached.
/// </remarks>
public sealed class SqliteConnectionFactory(string connectionString) : IDisposable
{
    private const int MaxIdle = 32;

    /// <summary>The writer's page cache (KiB; SQLite's default is 2,000): the hot pages of the decision indexes.</summary>
    public const int WriterCacheKiB = 32 * 1024;

    /// <summary>How long <see cref="Dispose"/> waits for a leased writer to come back.</summary>
    public static readonly TimeSpan WriterDrainTimeout = TimeSpan.FromSeconds(10);

    private readonly ConcurrentBag<SqliteConnection> _idle = [];
    private readonly SemaphoreSlim _writerTurn = new(1, 1);
    private SqliteConnection? _writer;
    private volatile bool _disposed;

    public string ConnectionString { get; } = connectionString;

    public async Task<RawConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        if (_idle.TryTake(out var idle))
        {
            return new RawConnection(idle, Return);
        }

        return new RawConnection(await OpenNewAsync(SqlitePragmas.PerConnectionSql, cancellationToken), Return);
    }

    /// <summary>The one writer connection, exclusive until the lease is disposed; a broken one is replaced next time.</summary>
    public async Task<RawConnection> OpenWriterAsync(CancellationToken cancellationToken = default)
    {
        await _writerTurn.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _writer ??= await OpenNewAsync($"{SqlitePragmas.PerConnectionSql} PRAGMA cache_size=-{WriterCacheKiB};", cancellationToken);
            return new RawConnection(_writer, ReturnWriter);
        }
        catch
        {
            _writerTurn.Release();
            throw;
        }
    }

    /// <summary>A new open connection with <paramref name="pragmas"/> applied; disposed again if either step fails.</summary>
    private async Task<SqliteConnection> OpenNewAsync(string pragmas, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = pragmas;
            await command.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private ValueTask ReturnWriter(DbConnection connection, bool healthy)
    {
        if (!healthy)
        {
            connection.Dispose();
            _writer = null;
        }

        _writerTurn.Release();
        return ValueTask.CompletedTask;
    }

    private ValueTask Return(DbConnection connection, bool healthy)
    {
        if (healthy && !_disposed && _idle.Count < MaxIdle)
        {
            _idle.Add((SqliteConnection)connection);
        }
        else
        {
            connection.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Closes the connections. The writer is closed only once its lease is back (or after <see cref="WriterDrainTimeout"/>):
    /// a host whose shutdown timed out disposes its services while a writer may still be inside a statement, and closing
    /// a SQLite connection under a running statement frees what that statement is using. Later leases are refused.
    /// </summary>
    public void Dispose()
    {
        _disposed = true;
        var held = _writerTurn.Wait(WriterDrainTimeout);
        _writer?.Dispose();
        _writer = null;
        if (held)
        {
            // Waiters still queued get the turn and find the factory disposed; the semaphore is left for them.
            _writerTurn.Release();
        }

        while (_idle.TryTake(out var connection))
        {
            connection.Dispose();
        }
    }
}
