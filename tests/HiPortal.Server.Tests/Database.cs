using Microsoft.Data.Sqlite;

namespace HiPortal.Server.Tests;

/// <summary>Reads the server's SQLite file directly, as an auditor would, beside the running server.</summary>
public static class Database
{
    public static Task<SqliteConnection> OpenAsync(HiPortalApp app) => OpenAsync(app.DatabasePath);

    public static async Task<SqliteConnection> OpenAsync(string path)
    {
        // No pooling: a test must not keep the file open after it ends (the app deletes its directory).
        var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout=10000;";
        await command.ExecuteNonQueryAsync();
        return connection;
    }

    public static async Task<HashSet<string>> SampleIdsAsync(string path)
    {
        await using var connection = await OpenAsync(path);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT SampleId FROM Decisions";
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    public static async Task<long> CountAsync(string path, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await OpenAsync(path);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}
