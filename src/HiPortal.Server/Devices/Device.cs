using System.Security.Claims;
using HiPortal.Server.Identity;
using HiPortal.Server.RemoteConfig;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HiPortal.Server.Devices;

/// <summary>An edge device that offloads samples. It authenticates with one of its <see cref="DeviceKey"/>s.</summary>
public sealed class Device
{
    public required string Id { get; set; }

    public required string Name { get; set; }

    public required string Fleet { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? RevokedAt { get; set; }

    public List<DeviceKey> Keys { get; set; } = [];

    /// <summary>Per-device overrides of the fleet's desired configuration (a null field inherits).</summary>
    public ConfigValues Overrides { get; set; } = ConfigValues.None;

    /// <summary>Desired version: bumped whenever the effective configuration changes.</summary>
    public long ConfigVersion { get; set; } = 1;

    /// <summary>The last version the device reported, and how.</summary>
    public long? ReportedVersion { get; set; }

    public string? ReportedStatus { get; set; }

    public string? ReportedMessage { get; set; }

    public DateTime? ReportedAt { get; set; }

    public DateTime? LastSeenAt { get; set; }

    public long? LastTelemetrySequence { get; set; }

    public long TelemetryGaps { get; set; }

    public long TelemetryDuplicates { get; set; }

    public bool HasOverride => !Overrides.IsEmpty;

    /// <summary>Labels an admin sets (site, hardware revision…): rollouts and bulk changes select devices by them.</summary>
    public List<string> Tags { get; set; } = [];

    /// <summary>The tiny model (name@version) this device runs instead of its fleet's: set while a rollout changes it.</summary>
    public string? TinyModelOverride { get; set; }

    /// <summary>The tiny model the device should run: its own override, else its fleet's.</summary>
    public string TinyModel(Fleets.Fleet fleet) => TinyModelOverride ?? fleet.TinyModel;
}

/// <summary>A device credential. Only the SHA-256 of its 256-bit random secret is stored.</summary>
public sealed class DeviceKey
{
    public int Id { get; set; }

    public required string DeviceId { get; set; }

    /// <summary>Public lookup part of the key (not secret), so verification needs no table scan.</summary>
    public required string KeyId { get; set; }

    public required string SecretHash { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? RevokedAt { get; set; }
}

/// <summary>What an authenticated device is, as the request pipeline sees it.</summary>
public sealed record DeviceIdentity(string DeviceId, string Fleet)
{
    /// <summary>The device's key among all callers (rate limits): made once with the identity, not per request.</summary>
    public string CallerKey { get; } = "device:" + DeviceId;

    public ClaimsPrincipal ToPrincipal(string scheme) => new DevicePrincipal(this, scheme);

    public ClaimsIdentity ToClaimsIdentity(string scheme) => new(
        [
            new Claim(ClaimTypes.NameIdentifier, DeviceId),
            new Claim(HiPortalClaims.DeviceId, DeviceId),
            new Claim(HiPortalClaims.Fleet, Fleet),
            new Claim(ClaimTypes.Role, Roles.Device),
        ],
        scheme);

    /// <summary>The caller's device, read from its principal (without a claims search when the principal is a device's own).</summary>
    public static DeviceIdentity? From(ClaimsPrincipal user) =>
        user is DevicePrincipal principal
            ? principal.Device
            : user.FindFirstValue(HiPortalClaims.DeviceId) is { } id
                ? new DeviceIdentity(id, user.FindFirstValue(HiPortalClaims.Fleet) ?? "")
                : null;
}

/// <summary>A device's principal: its claims, and the identity they came from, so a request reads it without parsing claims.</summary>
public sealed class DevicePrincipal(DeviceIdentity device, string scheme) : ClaimsPrincipal(device.ToClaimsIdentity(scheme))
{
    public DeviceIdentity Device => device;
}

internal sealed class DeviceEntityConfiguration : IEntityTypeConfiguration<Device>
{
    public void Configure(EntityTypeBuilder<Device> builder)
    {
        builder.Property(d => d.Id).HasMaxLength(32);
        builder.Property(d => d.Name).HasMaxLength(128);
        builder.Property(d => d.Fleet).HasMaxLength(64);
        builder.HasIndex(d => d.Fleet);
        builder.HasIndex(d => d.Name);
        builder.HasOne<Fleets.Fleet>().WithMany().HasForeignKey(d => d.Fleet);
        builder.ComplexProperty(d => d.Overrides, c => ConfigValuesMapping.Map(c, "Override", complete: false));
        builder.Property(d => d.ReportedStatus).HasMaxLength(16);
        builder.Property(d => d.ReportedMessage).HasMaxLength(500);
        builder.Ignore(d => d.HasOverride);
        builder.Property(d => d.TinyModelOverride).HasMaxLength(129);
        builder.HasMany(d => d.Keys).WithOne().HasForeignKey(k => k.DeviceId);
    }
}

internal sealed class DeviceKeyConfiguration : IEntityTypeConfiguration<DeviceKey>
{
    public void Configure(EntityTypeBuilder<DeviceKey> builder)
    {
        builder.HasIndex(k => k.KeyId).IsUnique();
        builder.Property(k => k.KeyId).HasMaxLength(32);
        builder.Property(k => k.SecretHash).HasMaxLength(64);
    }
}
