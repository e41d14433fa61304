using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HiPortal.Server.RemoteConfig;

/// <summary>A device's configuration history: each desired version issued and each report (applied/rejected).</summary>
public sealed class ConfigEvent
{
    public long Id { get; set; }

    public required string DeviceId { get; set; }

    public long Version { get; set; }

    public DateTime At { get; set; }

    /// <summary>"desired", "applied" or "rejected".</summary>
    public required string Kind { get; set; }

    /// <summary>The effective configuration (JSON) for "desired"; the device's message for reports.</summary>
    public string? Detail { get; set; }
}

internal sealed class ConfigEventConfiguration : IEntityTypeConfiguration<ConfigEvent>
{
    public void Configure(EntityTypeBuilder<ConfigEvent> builder)
    {
        builder.HasIndex(e => new { e.DeviceId, e.Version });
        builder.Property(e => e.DeviceId).HasMaxLength(32);
        builder.Property(e => e.Kind).HasMaxLength(16);
        builder.Property(e => e.Detail).HasMaxLength(2000);
    }
}
