using HiPortal.Server.Devices;
using HiPortal.Server.Identity;
using HiPortal.Server.Ingest;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Persistence;

public sealed class HiPortalDb(DbContextOptions<HiPortalDb> options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();

    public DbSet<Device> Devices => Set<Device>();

    public DbSet<DeviceKey> DeviceKeys => Set<DeviceKey>();

    public DbSet<Decision> Decisions => Set<Decision>();

    public DbSet<Fleets.Fleet> Fleets => Set<Fleets.Fleet>();

    public DbSet<Audit.AuditEntry> Audit => Set<Audit.AuditEntry>();

    public DbSet<Telemetry.TelemetryReport> Telemetry => Set<Telemetry.TelemetryReport>();

    public DbSet<RemoteConfig.ConfigEvent> ConfigEvents => Set<RemoteConfig.ConfigEvent>();

    public DbSet<Models.ModelVersion> ModelVersions => Set<Models.ModelVersion>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(HiPortalDb).Assembly);
}
