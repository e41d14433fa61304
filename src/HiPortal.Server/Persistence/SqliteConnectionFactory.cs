using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace HiPortal.Server.Persistence;

/// <summary>
/// Raw connections for the hot path (decision lookups and batched inserts). They are kept open and reused, so
/// the per-connection pragmas run once per connection rather than once per request.
/// </summary>
public sealed class SqliteConnectionFactory(string connectionString) : IDisposable
{
    private const int MaxIdle = 32;
    private readonly ConcurrentBag<SqliteConnection> _idle = [];

    public string ConnectionString { get; } = connectionString;

    public async Task<ConnectionLease> OpenAsync(CancellationToken cancellationToken = default)
    {
        if (_idle.TryTake(out var idle))
        {
            return new ConnectionLease(this, idle);
        }

        var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        SqlitePragmas.ApplyPerConnection(connection);
        return new ConnectionLease(this, connection);
    }

    private void Return(SqliteConnection connection, bool healthy)
    {
        if (healthy && _idle.Count < MaxIdle)
        {
            _idle.Add(connection);
        }
        else
        {
            connection.Dispose();
        }
    }

    public void Dispose()
    {
        while (_idle.TryTake(out var connection))
        {
            connection.Dispose();
        }
    }

    /// <summary>A connection borrowed from the factory; disposing gives it back.</summary>
    public sealed class ConnectionLease(SqliteConnectionFactory owner, SqliteConnection connection) : IAsyncDisposable
    {
        public SqliteConnection Connection { get; } = connection;

        /// <summary>Set when the connection saw an error and should not be reused.</summary>
        public bool Broken { get; set; }

        public ValueTask DisposeAsync()
        {
            owner.Return(Connection, !Broken && Connection.State == System.Data.ConnectionState.Open);
            return ValueTask.CompletedTask;
        }
    }
}
