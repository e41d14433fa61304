using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HiPortal.Server.Ingest;

/// <summary>
/// One offloaded sample and the large model's answer: what the dashboard, the threshold advice and the audit of
/// HI savings are computed from. Times are Unix milliseconds so per-minute aggregates stay plain SQL.
/// </summary>
public sealed class Decision
{
    public long Id { get; set; }

    public required string DeviceId { get; set; }

    public required string Fleet { get; set; }

    public required string SampleId { get; set; }

    /// <summary>SHA-256 of the sample and the local decision: a retry must match it, or it is a conflict.</summary>
    public required string PayloadHash { get; set; }

    public long ReceivedAtMs { get; set; }

    public long? CapturedAtMs { get; set; }

    public int LocalClass { get; set; }

    public double LocalConfidence { get; set; }

    public long? LocalInferenceMicros { get; set; }

    public int ServerClass { get; set; }

    public double ServerConfidence { get; set; }

    /// <summary>The ten class probabilities, float32 little-endian, so a retry gets the identical answer.</summary>
    public required byte[] Probabilities { get; set; }

    public bool Agrees { get; set; }

    public int? Label { get; set; }

    public int InputBytes { get; set; }

    /// <summary>An exploration offload: the device's rule would have kept it (fleet setting ε); stats count these apart.</summary>
    public bool Exploration { get; set; }

    public long QueueMicros { get; set; }

    public long InferenceMicros { get; set; }

    public int BatchSize { get; set; }

    /// <summary>The large model that answered (with <see cref="ModelVersion"/>): fleets may run different models.</summary>
    public string ModelName { get; set; } = "fashion-large";

    public required string ModelVersion { get; set; }
}

internal sealed class DecisionConfiguration : IEntityTypeConfiguration<Decision>
{
    public void Configure(EntityTypeBuilder<Decision> builder)
    {
        builder.HasIndex(d => d.ReceivedAtMs);
        builder.HasIndex(d => new { d.Fleet, d.ReceivedAtMs });
        // Unique (DeviceId, SampleId) and (DeviceId, ReceivedAtMs): on PostgreSQL only (PostgresHiPortalDb); SQLite keeps
        // both apart, see DeviceHistory.
        builder.Property(d => d.DeviceId).HasMaxLength(32);
        builder.Property(d => d.Fleet).HasMaxLength(64);
        builder.Property(d => d.SampleId).HasMaxLength(128);
        builder.Property(d => d.PayloadHash).HasMaxLength(64);
        builder.Property(d => d.ModelVersion).HasMaxLength(64);
        builder.Property(d => d.ModelName).HasMaxLength(64).HasDefaultValue("fashion-large");
        builder.HasOne<Devices.Device>().WithMany().HasForeignKey(d => d.DeviceId);
    }
}
