using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace HiPortal.Server.Persistence;

/// <summary>
/// Raw SQLite connections for the hot path (decision lookups and batched inserts). They are kept open and reused,
/// so the per-connection pragmas run once per connection rather than once per request.
/// </summary>
public sealed class SqliteConnectionFactory(string connectionString) : IDisposable
{
    private const int MaxIdle = 32;
    private readonly ConcurrentBag<SqliteConnection> _idle = [];

    public string ConnectionString { get; } = connectionString;

    public async Task<RawConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        if (_idle.TryTake(out var idle))
        {
            return new RawConnection(idle, Return);
        }

        var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        SqlitePragmas.ApplyPerConnection(connection);
        return new RawConnection(connection, Return);
    }

    private ValueTask Return(DbConnection connection, bool healthy)
    {
        if (healthy && _idle.Count < MaxIdle)
        {
            _idle.Add((SqliteConnection)connection);
        }
        else
        {
            connection.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        while (_idle.TryTake(out var connection))
        {
            connection.Dispose();
        }
    }
}
