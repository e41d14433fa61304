using Microsoft.Data.Sqlite;

namespace HiPortal.Testing;

/// <summary>Reads a server's SQLite file directly, as an auditor would, beside the running (or stopped, or killed) server.</summary>
public sealed class ServerDatabase(string path)
{
    public string Path => path;

    public async Task<SqliteConnection> OpenAsync()
    {
        // No pooling: a test must not keep the file open after it ends (the host deletes its directory).
        var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout=10000;";
        await command.ExecuteNonQueryAsync();
        return connection;
    }

    public async Task<List<T>> QueryAsync<T>(string sql, Func<SqliteDataReader, T> row, params (string Name, object Value)[] parameters)
    {
        await using var connection = await OpenAsync();
        await using var command = Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(row(reader));
        }

        return rows;
    }

    public async Task<long> CountAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await OpenAsync();
        await using var command = Command(connection, sql, parameters);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    /// <summary>The sample ids stored, for every device or for one.</summary>
    public async Task<HashSet<string>> SampleIdsAsync(string? deviceId = null) =>
        (deviceId is null
            ? await QueryAsync("SELECT SampleId FROM Decisions", r => r.GetString(0))
            : await QueryAsync("SELECT SampleId FROM Decisions WHERE DeviceId = $id", r => r.GetString(0), ("$id", deviceId)))
        .ToHashSet(StringComparer.Ordinal);

    private static SqliteCommand Command(SqliteConnection connection, string sql, (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }
}
