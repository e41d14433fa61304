using Microsoft.Data.Sqlite;

namespace HiPortal.DeviceSdk.Tests;

/// <summary>Reads the server's SQLite file directly, as an auditor would.</summary>
public static class Database
{
    public static async Task<List<T>> QueryAsync<T>(ServerApp app, string sql, Func<SqliteDataReader, T> row,
        params (string Name, object Value)[] parameters)
    {
        // No pooling: nothing may keep the file open after the tests (the app deletes its directory).
        await using var connection = new SqliteConnection($"Data Source={app.DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout=10000;";
        await command.ExecuteNonQueryAsync();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
            rows.Add(row(reader));
        return rows;
    }

    /// <summary>The sample ids the server stored for a device.</summary>
    public static async Task<List<string>> SampleIdsAsync(ServerApp app, string deviceId) =>
        await QueryAsync(app, "SELECT SampleId FROM Decisions WHERE DeviceId = $id", r => r.GetString(0), ("$id", deviceId));
}
