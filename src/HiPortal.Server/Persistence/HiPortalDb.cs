using HiPortal.Server.Devices;
using HiPortal.Server.Identity;
using HiPortal.Server.Ingest;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;
using Microsoft.EntityFrameworkCore.Metadata.Conventions.Infrastructure;

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

    /// <summary>SQLite only: the decisions by device and sample id (<see cref="DeviceHistory"/>).</summary>
    public DbSet<DeviceSample> DeviceSamples => Set<DeviceSample>();

    /// <summary>SQLite only: how far <see cref="DeviceDecisions"/> and <see cref="DeviceSamples"/> have read the decisions.</summary>
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

    /// <summary>
    /// SQLite: <c>Decisions</c> gets no index for its device foreign key (<see cref="DecisionsUnindexedForeignKey"/>), and
    /// every <see cref="DateTime"/> is read back as UTC (<see cref="UtcDateTimeConverter"/>; PostgreSQL's
    /// <c>timestamp with time zone</c> already is).
    /// </summary>
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Conventions.Replace<ForeignKeyIndexConvention>(services =>
            new DecisionsUnindexedForeignKey(services.GetRequiredService<ProviderConventionSetBuilderDependencies>()));
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
    }
}

/// <summary>
/// EF Core indexes every foreign key that no index covers. On SQLite, <c>Decisions.DeviceId</c> is covered by none on
/// purpose: an index keyed by device costs a leaf page per stored decision (see <see cref="DeviceHistory"/>), and the
/// tables kept apart serve its reads. The only cost is a scan of <c>Decisions</c> when a device row is deleted or
/// its id changes, and HiPortal does neither (a device is revoked, not deleted). Every other foreign key keeps its index.
/// </summary>
internal sealed class DecisionsUnindexedForeignKey(ProviderConventionSetBuilderDependencies dependencies)
    : ForeignKeyIndexConvention(dependencies)
{
    protected override IConventionIndex? CreateIndex(IReadOnlyList<IConventionProperty> properties, bool unique,
        IConventionEntityTypeBuilder entityTypeBuilder) =>
        entityTypeBuilder.Metadata.ClrType == typeof(Decision) ? null : base.CreateIndex(properties, unique, entityTypeBuilder);
}
