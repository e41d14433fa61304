using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HiPortal.Server.Fleets;

/// <summary>
/// A group of devices with one desired configuration (the device-twin "desired" side at fleet level), its
/// per-device rate limit and its auto-threshold policy.
/// </summary>
public sealed class Fleet
{
    public const string DefaultName = "default";

    public required string Name { get; set; }

    public string Rule { get; set; } = Core.Decisions.OffloadRules.MaxSoftmax;

    public double Threshold { get; set; } = 0.65;

    /// <summary>Top-2 LR coefficients (bias, w1, w2) when <see cref="Rule"/> is top2-lr.</summary>
    public double? LrBias { get; set; }

    public double? LrW1 { get; set; }

    public double? LrW2 { get; set; }

    public int TelemetryIntervalSeconds { get; set; } = 10;

    /// <summary>Token bucket per device: sustained offloads per second and burst size.</summary>
    public double RateLimitPerSecond { get; set; } = 50;

    public int RateLimitBurst { get; set; } = 100;

    /// <summary>Device profile for the savings model (see Core DeviceProfiles).</summary>
    public string DeviceProfile { get; set; } = "esp32-wifi";

    public bool AutoThreshold { get; set; }

    public double AutoThresholdMin { get; set; } = 0.3;

    public double AutoThresholdMax { get; set; } = 0.95;

    public DateTime CreatedAt { get; set; }
}

internal sealed class FleetConfiguration : IEntityTypeConfiguration<Fleet>
{
    public void Configure(EntityTypeBuilder<Fleet> builder)
    {
        builder.HasKey(f => f.Name);
        builder.Property(f => f.Name).HasMaxLength(64);
        builder.Property(f => f.Rule).HasMaxLength(32);
        builder.Property(f => f.DeviceProfile).HasMaxLength(32);
        builder.HasData(new Fleet { Name = Fleet.DefaultName, CreatedAt = new DateTime(2026, 11, 26, 0, 0, 0, DateTimeKind.Utc) });
    }
}
