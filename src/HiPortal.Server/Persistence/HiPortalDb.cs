using HiPortal.Server.Devices;
using HiPortal.Server.Identity;
using HiPortal.Server.Ingest;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Persistence;

/// <summary>
/// The one model. On SQLite this type itself is the context (its migrations are in migrations/Sqlite); on
/// PostgreSQL it is <see cref="PostgresHiPortalDb"/>, a subtype that only exists so EF Core finds that provider's
/// own migrations (migrations/Postgres). Features depend on this type either way.
/// </summary>
public class HiPortalDb : DbContext
{
    public HiPortalDb(DbContextOptions<HiPortalDb> options)
        : base(options)
    {
    }

    protected HiPortalDb(DbContextOptions options)
        : base(options)
    {
    }

    public DbSet<User> Users => Set<User>();

    public DbSet<Device> Devices => Set<Device>();

    public DbSet<DeviceKey> DeviceKeys => Set<DeviceKey>();

    public DbSet<Decision> Decisions => Set<Decision>();

    /// <summary>SQLite only: the decisions by device and time (<see cref="DeviceHistory"/>).</summary>
    public DbSet<DeviceDecision> DeviceDecisions => Set<DeviceDecision>();

    /// <summary>SQLite only: how far <see cref="DeviceDecisions"/> has read the decisions.</summary>
    public DbSet<DeviceHistoryState> DeviceHistoryState => Set<DeviceHistoryState>();

    public DbSet<Fleets.Fleet> Fleets => Set<Fleets.Fleet>();

    public DbSet<Audit.AuditEntry> Audit => Set<Audit.AuditEntry>();

    public DbSet<Telemetry.TelemetryReport> Telemetry => Set<Telemetry.TelemetryReport>();

    public DbSet<RemoteConfig.ConfigEvent> ConfigEvents => Set<RemoteConfig.ConfigEvent>();

    public DbSet<Models.ModelVersion> ModelVersions => Set<Models.ModelVersion>();

    public DbSet<Alarms.Alarm> Alarms => Set<Alarms.Alarm>();

    public DbSet<Rollouts.Rollout> Rollouts => Set<Rollouts.Rollout>();

    public DbSet<Rollouts.RolloutDevice> RolloutDevices => Set<Rollouts.RolloutDevice>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(HiPortalDb).Assembly);
        ConfigureProvider(modelBuilder);
    }

    /// <summary>What differs from the shared configuration on this provider; SQLite takes it as it is.</summary>
    protected virtual void ConfigureProvider(ModelBuilder modelBuilder)
    {
    }
}
