using Microsoft.Data.Sqlite;

namespace HiPortal.Server.Persistence;

/// <summary>Raw pooled connections for the hot path (decision lookups and batched inserts), pragmas applied.</summary>
public sealed class SqliteConnectionFactory(string connectionString)
{
    public string ConnectionString { get; } = connectionString;

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        SqlitePragmas.Apply(connection);
        return connection;
    }
}
