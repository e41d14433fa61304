using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace HiPortal.Testing;

/// <summary>
/// Reads a server's database directly, as an auditor would, beside the running (or stopped, or killed) server: its
/// SQLite file, or its PostgreSQL database. SQL meant for both quotes identifiers and names parameters <c>@name</c>.
/// </summary>
public sealed class ServerDatabase
{
    private readonly Func<Task<DbConnection>> _open;

    /// <summary>A SQLite file.</summary>
    public ServerDatabase(string path)
    {
        Path = path;
        _open = async () =>
        {
            // No pooling: a test must not keep the file open after it ends (the host deletes its directory).
            var connection = new SqliteConnection($"Data Source={path};Pooling=False");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA busy_timeout=10000;";
            await command.ExecuteNonQueryAsync();
            return connection;
        };
    }

    private ServerDatabase(Func<Task<DbConnection>> open) => (Path, _open) = ("", open);

    /// <summary>A PostgreSQL database; not pooled, so dropping it after the test finds no connection of ours.</summary>
    public static ServerDatabase Postgres(string connectionString) => new(async () =>
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    });

    /// <summary>The SQLite file ("" on PostgreSQL).</summary>
    public string Path { get; }

    public Task<DbConnection> OpenAsync() => _open();

    public async Task<List<T>> QueryAsync<T>(string sql, Func<DbDataReader, T> row, params (string Name, object Value)[] parameters)
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
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The sample ids stored, for every device or for one.</summary>
    public async Task<HashSet<string>> SampleIdsAsync(string? deviceId = null) =>
        (deviceId is null
            ? await QueryAsync("""SELECT "SampleId" FROM "Decisions" """, r => r.GetString(0))
            : await QueryAsync("""SELECT "SampleId" FROM "Decisions" WHERE "DeviceId" = @id""", r => r.GetString(0), ("@id", deviceId)))
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>A command on <paramref name="connection"/> with the parameters bound by name.</summary>
    public static DbCommand Command(DbConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return command;
    }
}
