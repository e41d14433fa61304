using System.Text.Json;
using HiPortal.Server.RemoteConfig;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace HiPortal.Server.Rollouts;

/// <summary>Where a rollout is: running (changing devices stage by stage), paused, or finished one of three ways.</summary>
public static class RolloutStates
{
    public const string Running = "running";
    public const string Paused = "paused";

    /// <summary>A gate failed: the devices it had changed were put back.</summary>
    public const string RolledBack = "rolled-back";

    public const string Aborted = "aborted";

    /// <summary>Every stage passed: the change is the target's own (the fleet's config, or the tagged devices' overrides).</summary>
    public const string Completed = "completed";

    public static bool IsActive(string state) => state is Running or Paused;
}

/// <summary>A stage: <see cref="Percent"/> of the target's devices changed (cumulative), soaked and sampled before its gates count.</summary>
public sealed record RolloutStage(double Percent, int MinSoakSeconds, int MinSamples);

/// <summary>The health every stage must show: offload rate within a band, agreement, accuracy, errors, acks in time.</summary>
public sealed record RolloutGates(double MinOffloadRate, double MaxOffloadRate, double MinAgreement, double MinAccuracy, double MaxErrorRate,
    int AckTimeoutSeconds);

/// <summary>
/// A staged change of θ, rule or tiny model for a fleet (or the devices of a tag query). Each stage changes more of the
/// target's devices, chosen by a salted hash of their ids so the choice is even and never shrinks; a failed gate puts
/// every changed device back.
/// </summary>
public sealed class Rollout
{
    public long Id { get; set; }

    /// <summary>The fleet whose devices change; null: every fleet's devices with <see cref="Tags"/>.</summary>
    public string? Fleet { get; set; }

    /// <summary>Only devices with every one of these tags; empty: the whole fleet.</summary>
    public List<string> Tags { get; set; } = [];

    /// <summary>The configuration fields the rollout sets (null: unchanged), laid over each changed device's overrides.</summary>
    public ConfigValues Change { get; set; } = ConfigValues.None;

    /// <summary>The tiny model (name@version) changed devices run; null: unchanged.</summary>
    public string? TinyModel { get; set; }

    public List<RolloutStage> Stages { get; set; } = [];

    public required RolloutGates Gates { get; set; }

    /// <summary>Per-rollout salt of the device order, so successive rollouts do not canary the same devices.</summary>
    public required string Salt { get; set; }

    public string State { get; set; } = RolloutStates.Running;

    /// <summary>The stage now soaking (index into <see cref="Stages"/>).</summary>
    public int Stage { get; set; }

    public DateTime StageStartedAt { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public required string CreatedBy { get; set; }

    public string? Reason { get; set; }

    /// <summary>Why it stopped (the failed gate, or the admin's reason); null while running.</summary>
    public string? StatusMessage { get; set; }

    /// <summary>The last gate evaluation (JSON of <see cref="RolloutHealth"/>), shown by the API and the dashboard.</summary>
    public string? LastHealth { get; set; }

    public bool IsTarget(Devices.Device device) =>
        device.RevokedAt is null && (Fleet is null || device.Fleet == Fleet) && Tags.All(device.Tags.Contains);
}

/// <summary>A device a rollout changed: what it had before (to put back) and the version that carried the change.</summary>
public sealed class RolloutDevice
{
    public long Id { get; set; }

    public long RolloutId { get; set; }

    public required string DeviceId { get; set; }

    /// <summary>The stage that changed it.</summary>
    public int Stage { get; set; }

    public DateTime ChangedAt { get; set; }

    /// <summary>The desired version that carried the change; its ack tells when the device runs it.</summary>
    public long Version { get; set; }

    /// <summary>When the device acknowledged <see cref="Version"/> (or a later one) as applied, in Unix ms of the server's clock.</summary>
    public long? AppliedAtMs { get; set; }

    public ConfigValues PreviousOverrides { get; set; } = ConfigValues.None;

    public string? PreviousTinyModel { get; set; }

    public DateTime? RolledBackAt { get; set; }
}

internal sealed class RolloutConfiguration : IEntityTypeConfiguration<Rollout>
{
    public void Configure(EntityTypeBuilder<Rollout> builder)
    {
        builder.HasIndex(r => r.State);
        builder.Property(r => r.Fleet).HasMaxLength(64);
        builder.ComplexProperty(r => r.Change, c => ConfigValuesMapping.Map(c, "Change", complete: false));
        builder.Property(r => r.TinyModel).HasMaxLength(129);
        builder.Property(r => r.Stages).HasConversion(Json<List<RolloutStage>>(), JsonComparer<List<RolloutStage>>()).HasMaxLength(2000);
        builder.Property(r => r.Gates).HasConversion(Json<RolloutGates>(), JsonComparer<RolloutGates>()).HasMaxLength(1000);
        builder.Property(r => r.Salt).HasMaxLength(32);
        builder.Property(r => r.State).HasMaxLength(16);
        builder.Property(r => r.CreatedBy).HasMaxLength(64);
        builder.Property(r => r.Reason).HasMaxLength(500);
        builder.Property(r => r.StatusMessage).HasMaxLength(500);
        builder.Property(r => r.LastHealth).HasMaxLength(4000);
    }

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    // Small value objects read and written whole: one JSON column each instead of a table.
    private static ValueConverter<T, string> Json<T>() =>
        new(v => JsonSerializer.Serialize(v, s_json), s => JsonSerializer.Deserialize<T>(s, s_json)!);

    private static ValueComparer<T> JsonComparer<T>() =>
        new((a, b) => JsonSerializer.Serialize(a, s_json) == JsonSerializer.Serialize(b, s_json),
            v => JsonSerializer.Serialize(v, s_json).GetHashCode(StringComparison.Ordinal),
            v => JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(v, s_json), s_json)!);
}

internal sealed class RolloutDeviceConfiguration : IEntityTypeConfiguration<RolloutDevice>
{
    public void Configure(EntityTypeBuilder<RolloutDevice> builder)
    {
        // One row per device and rollout: a device changes once per rollout, and two instances cannot both change it.
        builder.HasIndex(d => new { d.RolloutId, d.DeviceId }).IsUnique();
        builder.HasIndex(d => d.DeviceId);
        builder.Property(d => d.DeviceId).HasMaxLength(32);
        builder.HasOne<Rollout>().WithMany().HasForeignKey(d => d.RolloutId);
        builder.HasOne<Devices.Device>().WithMany().HasForeignKey(d => d.DeviceId);
        builder.ComplexProperty(d => d.PreviousOverrides, c => ConfigValuesMapping.Map(c, "Previous", complete: false));
        builder.Property(d => d.PreviousTinyModel).HasMaxLength(129);
    }
}
