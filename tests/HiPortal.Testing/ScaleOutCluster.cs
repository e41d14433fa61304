using Xunit;

namespace HiPortal.Testing;

/// <summary>
/// Two server instances of one deployment (A and B) behind no proxy, sharing one database and one Redis of the
/// test's own: the scale-out layout of the README in one process. The database is the suite's parameter: on
/// PostgreSQL both instances share one database the cluster creates and drops; on SQLite, one file (WAL) in a shared
/// data directory.
/// </summary>
public class ScaleOutCluster : IAsyncLifetime
{
    private readonly TempDirectory _data = new();

    public RedisServer Redis { get; private set; } = null!;

    public HiPortalHost A { get; private set; } = null!;

    public HiPortalHost B { get; private set; } = null!;

    /// <summary>Unique per cluster, so two clusters never share Redis keys even on one Redis.</summary>
    public string Deployment { get; } = "test-" + Guid.NewGuid().ToString("n")[..8];

    public string DataDirectory => _data.Path;

    /// <summary>The shared PostgreSQL database, when the suite runs on PostgreSQL; null on SQLite.</summary>
    public string? PostgresDatabase { get; } = TestPostgres.RequestedProvider == HiPortal.Server.Persistence.DatabaseProvider.Postgres
        ? "hiportal_cluster_" + Guid.NewGuid().ToString("n")
        : null;

    /// <summary>Another instance on the same database and Redis; <paramref name="deployment"/> names its deployment.</summary>
    public Task<HiPortalHost> StartInstanceAsync(string? deployment = null) => HiPortalHost.StartAsync(InstanceOptions(deployment ?? Deployment));

    public virtual async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        // One after the other: the first applies the migrations, the second finds them applied.
        A = await StartInstanceAsync();
        B = await StartInstanceAsync();
    }

    public virtual async Task DisposeAsync()
    {
        if (B is not null)
        {
            await B.DisposeAsync();
        }

        if (A is not null)
        {
            await A.DisposeAsync();
        }

        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        if (PostgresDatabase is not null)
        {
            await TestPostgres.DropDatabaseAsync(PostgresDatabase);
        }

        _data.Dispose();
    }

    private HiPortalHostOptions InstanceOptions(string deployment) => new()
    {
        DataDirectory = _data.Path,
        PostgresDatabase = PostgresDatabase,
        Settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = Redis.ConnectionString,
            ["ScaleOut:Deployment"] = deployment,
            // Each its own key folder: a token valid on both instances proves the key ring in Redis, not a shared folder.
            ["KeyRing:Directory"] = Path.Combine(_data.Path, "keys-" + Guid.NewGuid().ToString("n")),
        },
    };
}
