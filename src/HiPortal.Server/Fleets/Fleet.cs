using HiPortal.Server.RemoteConfig;
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

    /// <summary>The desired configuration of every device in the fleet (less the device's overrides); complete.</summary>
    public ConfigValues Config { get; set; } = ConfigValues.FleetDefaults;

    /// <summary>Token bucket per device: sustained offloads per second and burst size.</summary>
    public double RateLimitPerSecond { get; set; } = 50;

    public int RateLimitBurst { get; set; } = 100;

    /// <summary>Device profile for the savings model (see Core DeviceProfiles).</summary>
    public string DeviceProfile { get; set; } = "esp32-wifi";

    public bool AutoThreshold { get; set; }

    public double AutoThresholdMin { get; set; } = 0.3;

    public double AutoThresholdMax { get; set; } = 0.95;

    public DateTime CreatedAt { get; set; }

    /// <summary>The model its devices run (name@version), delivered through the device configuration.</summary>
    public string TinyModel { get; set; } = "fashion-tiny@1.0.0";

    /// <summary>The model that answers its offloads (name@version).</summary>
    public string LargeModel { get; set; } = "fashion-large@1.0.0";

    /// <summary>The online learner that moves θ in auto mode and advice (hil-f, hil-n, hi-lcb-lite; Advice/FleetLearners).</summary>
    public string OnlineLearner { get; set; } = DefaultOnlineLearner;

    /// <summary>The most of the fleet's samples it may offload (null: no cap); auto mode and the learner respect it.</summary>
    public double? MaxOffloadFraction { get; set; }

    public const string DefaultOnlineLearner = "hi-lcb-lite";
}

internal sealed class FleetConfiguration : IEntityTypeConfiguration<Fleet>
{
    public void Configure(EntityTypeBuilder<Fleet> builder)
    {
        builder.HasKey(f => f.Name);
        builder.Property(f => f.Name).HasMaxLength(64);
        builder.ComplexProperty(f => f.Config, c => ConfigValuesMapping.Map(c, "", complete: true));
        builder.Property(f => f.DeviceProfile).HasMaxLength(32);
        builder.Property(f => f.TinyModel).HasMaxLength(129).HasDefaultValue("fashion-tiny@1.0.0");
        builder.Property(f => f.LargeModel).HasMaxLength(129).HasDefaultValue("fashion-large@1.0.0");
        builder.Property(f => f.OnlineLearner).HasMaxLength(32).HasDefaultValue(Fleet.DefaultOnlineLearner);
        // The default fleet is inserted by the Initial migration. It is no longer HasData here: EF cannot seed an
        // entity with a complex property (efcore#31254), and every database is created by migrating.
    }
}
