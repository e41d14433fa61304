using HiPortal.Server.Persistence;
using Npgsql;

namespace HiPortal.Testing;

/// <summary>
/// The suite's database parameter: <c>HIPORTAL_TEST_PROVIDER=Postgres</c> runs every test server on PostgreSQL at
/// <c>HIPORTAL_TEST_POSTGRES</c> (a connection string to a server the tests may create databases on), each host on a
/// fresh database of its own, so tests stay isolated and parallel. Unset: SQLite, one file per host.
/// </summary>
public static class TestPostgres
{
    public const string ProviderVariable = "HIPORTAL_TEST_PROVIDER";
    public const string ConnectionVariable = "HIPORTAL_TEST_POSTGRES";

    public static DatabaseProvider RequestedProvider =>
        Enum.TryParse<DatabaseProvider>(Environment.GetEnvironmentVariable(ProviderVariable), ignoreCase: true, out var provider)
            ? provider
            : DatabaseProvider.Sqlite;

    private static string Server => Environment.GetEnvironmentVariable(ConnectionVariable) is { Length: > 0 } server
        ? server
        : throw new InvalidOperationException(Unreachable("it is not set"));

    /// <summary>Creates the database unless it exists; the connection string to it.</summary>
    public static string CreateDatabase(string name)
    {
        try
        {
            using var connection = new NpgsqlConnection(Server);
            connection.Open();
            using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
            exists.Parameters.AddWithValue("name", name);
            if (exists.ExecuteScalar() is null)
            {
                using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
                try
                {
                    create.ExecuteNonQuery();
                }
                catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
                {
                    // Another host sharing the database created it in the meantime.
                }
            }
        }
        catch (NpgsqlException ex) when (ex is not PostgresException)
        {
            throw new InvalidOperationException(Unreachable($"nothing answers there ({ex.Message})"), ex);
        }

        return new NpgsqlConnectionStringBuilder(Server) { Database = name }.ConnectionString;
    }

    /// <summary>Drops the database, closing whatever connections are still open on it.</summary>
    public static async Task DropDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(Server);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>A database name for a data directory: the same directory (a restart test) finds the same database.</summary>
    public static string DatabaseName(string dataDirectory) =>
        "hiportal_" + new string([.. Path.GetFileName(Path.TrimEndingDirectorySeparator(dataDirectory)).ToLowerInvariant()
            .Where(c => char.IsAsciiLetterOrDigit(c) || c == '_').Take(48)]);

    private static string Unreachable(string why) =>
        $"Tests on PostgreSQL ({ProviderVariable}=Postgres, or a test that needs it) need a server in {ConnectionVariable}, but {why}: start one with eval \"$(scripts/services.sh start)\"";
}
