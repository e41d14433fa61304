using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace HiPortal.Server.Persistence;

/// <summary>The model on PostgreSQL: its own type so its migrations (migrations/Postgres) are not SQLite's.</summary>
public sealed class PostgresHiPortalDb(DbContextOptions<PostgresHiPortalDb> options) : HiPortalDb(options)
{
    /// <summary>
    /// A device's decisions by time and by sample id come from indexes on <c>Decisions</c> itself: PostgreSQL's writers
    /// are many and its pages are not rewritten whole per commit, so SQLite's separate tables (<see cref="Ingest.DeviceHistory"/>)
    /// are not used here.
    /// </summary>
    protected override void ConfigureProvider(ModelBuilder modelBuilder)
    {
        modelBuilder.Ignore<Ingest.DeviceDecision>();
        modelBuilder.Ignore<Ingest.DeviceSample>();
        modelBuilder.Ignore<Ingest.DeviceHistoryState>();
        modelBuilder.Entity<Ingest.Decision>().HasIndex(d => new { d.DeviceId, d.SampleId }).IsUnique();
        modelBuilder.Entity<Ingest.Decision>().HasIndex(d => new { d.DeviceId, d.ReceivedAtMs });
    }

    /// <summary>EF Core's own conventions: every foreign key covered by an index (the unique one above, for decisions).</summary>
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
    }
}

/// <summary>
/// For <c>dotnet ef migrations add X --context PostgresHiPortalDb --output-dir ../../migrations/Postgres</c>: the
/// tools need the provider, not a server (generating a migration does not connect).
/// </summary>
internal sealed class PostgresHiPortalDbDesignTimeFactory : IDesignTimeDbContextFactory<PostgresHiPortalDb>
{
    public PostgresHiPortalDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresHiPortalDb>().UseNpgsql("Host=localhost").Options);
}

/// <summary>
/// For <c>dotnet ef migrations add X --context HiPortalDb --output-dir ../../migrations/Sqlite</c>: without it the
/// tools build the SQLite context through the PostgreSQL factory above (HiPortalDb is its base type) and write a
/// PostgreSQL migration into the SQLite folder.
/// </summary>
internal sealed class SqliteHiPortalDbDesignTimeFactory : IDesignTimeDbContextFactory<HiPortalDb>
{
    public HiPortalDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<HiPortalDb>().UseSqlite("Data Source=design-time.db").Options);
}
