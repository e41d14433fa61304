using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HiPortal.Server.Telemetry;

/// <summary>A device's counters for one reporting period, identified by its per-device sequence number.</summary>
public sealed class TelemetryReport
{
    public long Id { get; set; }

    public required string DeviceId { get; set; }

    public required string Fleet { get; set; }

    public long Sequence { get; set; }

    public long PeriodStartMs { get; set; }

    public long PeriodEndMs { get; set; }

    public long ReceivedAtMs { get; set; }

    public long Samples { get; set; }

    public long DecidedLocally { get; set; }

    public long Offloaded { get; set; }

    public long LocalInferenceMicros { get; set; }

    public long BytesSent { get; set; }

    public long OffloadRttMicrosSum { get; set; }

    public long OffloadRttCount { get; set; }

    public double EnergyJoules { get; set; }

    /// <summary>Offloads the device dropped from its offline buffer (oldest first) during the period.</summary>
    public long Dropped { get; set; }
}

internal sealed class TelemetryReportConfiguration : IEntityTypeConfiguration<TelemetryReport>
{
    public void Configure(EntityTypeBuilder<TelemetryReport> builder)
    {
        builder.HasIndex(t => new { t.DeviceId, t.Sequence }).IsUnique();
        builder.HasIndex(t => new { t.Fleet, t.PeriodEndMs });
        builder.HasIndex(t => t.PeriodEndMs);
        builder.HasIndex(t => new { t.DeviceId, t.PeriodEndMs });
        builder.Property(t => t.DeviceId).HasMaxLength(32);
        builder.Property(t => t.Fleet).HasMaxLength(64);
    }
}
