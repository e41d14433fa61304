using HiPortal.Server.Persistence;

namespace HiPortal.Server.Tests;

/// <summary>
/// The database that crash tests' server processes (<see cref="ServerProcess"/>) run on: the suite's provider
/// (<see cref="TestPostgres"/>), so the PostgreSQL pass kills servers that store in PostgreSQL. On PostgreSQL a
/// database of the test's own, dropped afterwards; on SQLite one file in a directory of the test's own, which every
/// process pointed at it shares (WAL, on one machine).
/// </summary>
internal sealed class CrashDatabase : IAsyncDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly string? _postgresName;

    public CrashDatabase()
    {
        Provider = TestPostgres.RequestedProvider;
        if (Provider == DatabaseProvider.Postgres)
        {
            _postgresName = "hiportal_crash_" + Guid.NewGuid().ToString("n");
            var connection = TestPostgres.CreateDatabase(_postgresName);
            Settings = new Dictionary<string, string>
            {
                ["Database:Provider"] = nameof(DatabaseProvider.Postgres),
                ["ConnectionStrings:Postgres"] = connection,
            };
            Database = ServerDatabase.Postgres(connection);
        }
        else
        {
            var path = Path.Combine(_directory.Path, "hiportal.db");
            Settings = new Dictionary<string, string>
            {
                ["Database:Provider"] = nameof(DatabaseProvider.Sqlite),
                ["Database:Path"] = path,
            };
            Database = new ServerDatabase(path);
        }
    }

    public DatabaseProvider Provider { get; }

    /// <summary>The server settings that point a process at this database.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; }

    /// <summary>The database read directly, as an auditor would after the crash.</summary>
    public ServerDatabase Database { get; }

    /// <summary>Decisions stored more than once for one (DeviceId, SampleId): 0, whatever crashed.</summary>
    public Task<long> RepeatedDecisionsAsync() => Database.CountAsync(
        "SELECT COUNT(*) FROM (SELECT \"DeviceId\", \"SampleId\" FROM \"Decisions\" GROUP BY \"DeviceId\", \"SampleId\" HAVING COUNT(*) > 1) AS repeated");

    /// <summary>Starts a server process on this database, with <paramref name="settings"/> on top.</summary>
    public Task<ServerProcess> StartServerAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string>(Settings);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        return ServerProcess.StartAsync(ServerProcess.Dotnet(Path.Combine(AppContext.BaseDirectory, "HiPortal.Server.dll")),
            HiPortalHost.AdminPassword, all);
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgresName is not null)
        {
            await TestPostgres.DropDatabaseAsync(_postgresName);
        }

        _directory.Dispose();
    }
}
