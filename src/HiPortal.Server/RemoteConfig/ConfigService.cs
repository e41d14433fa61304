using System.Text.Json;
using System.Text.Json.Serialization;
using HiPortal.Server.Audit;
using HiPortal.Server.Devices;
using HiPortal.Server.Identity;
using HiPortal.Server.Ingest;
using HiPortal.Server.Persistence;
using HiPortal.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.RemoteConfig;

public sealed record ConfigChangeResult(FieldError? Error, bool NotFound, DeviceConfiguration? Before, DeviceConfiguration? After, int DevicesBumped)
{
    /// <summary>The caller may not change configuration; not on the wire (the API's route policy answers 403 first).</summary>
    [JsonIgnore]
    public bool Forbidden { get; init; }

    /// <summary>Why nothing changed, as the dashboard tells its user; null when the change was made.</summary>
    [JsonIgnore]
    public string? Failure => this switch
    {
        { Forbidden: true } => "Only admins can change thresholds.",
        { Error: { } e } => $"{e.Field}: {e.Message}",
        { NotFound: true } => "not found",
        _ => null,
    };

    internal static readonly ConfigChangeResult Refused = new(null, false, null, null, 0) { Forbidden = true };

    /// <summary>The API's answer to <see cref="Forbidden"/> (behind an admin route policy it is a second line only).</summary>
    public static ProblemHttpResult ForbiddenProblem() =>
        ProblemResults.Status(StatusCodes.Status403Forbidden, "Admins only.", "only admins change configuration");
}

/// <summary>
/// Every change of desired configuration goes through here: it is validated, applied in one transaction with its
/// audit row, and every device whose <em>effective</em> configuration changed gets a new version (and a history
/// event); then waiting long-polls are woken.
/// </summary>
public sealed class ConfigService(IDbContextFactory<HiPortalDb> dbFactory, ConfigNotifier notifier, TimeProvider time, WriteGate gate)
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// A change a caller asks for, from the API or the dashboard alike: the one admin check, and the caller's name
    /// in the audit row. The overloads taking an actor name are for the server's own changes (auto threshold).
    /// </summary>
    public Task<ConfigChangeResult> ChangeFleetAsync(string fleetName, ConfigChange change, CurrentUser user, string action,
        CancellationToken cancellationToken) =>
        user.IsAdmin ? ChangeFleetAsync(fleetName, change, user.Actor, action, cancellationToken) : Task.FromResult(ConfigChangeResult.Refused);

    /// <inheritdoc cref="ChangeFleetAsync(string, ConfigChange, CurrentUser, string, CancellationToken)"/>
    public Task<ConfigChangeResult> ChangeDeviceAsync(string deviceId, ConfigChange change, bool clear, CurrentUser user, string action,
        CancellationToken cancellationToken) =>
        user.IsAdmin ? ChangeDeviceAsync(deviceId, change, clear, user.Actor, action, cancellationToken) : Task.FromResult(ConfigChangeResult.Refused);

    public async Task<ConfigChangeResult> ChangeFleetAsync(string fleetName, ConfigChange change, string actor, string action,
        CancellationToken cancellationToken)
    {
        if (ConfigValidation.Validate(change) is { } invalid)
        {
            return new ConfigChangeResult(invalid, false, null, null, 0);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var fleet = await db.Fleets.FirstOrDefaultAsync(f => f.Name == fleetName, cancellationToken);
        if (fleet is null)
        {
            return new ConfigChangeResult(null, true, null, null, 0);
        }

        var before = DeviceConfiguration.Desired(fleet);
        var devices = await db.Devices.Where(d => d.Fleet == fleetName).ToListAsync(cancellationToken);
        var effectiveBefore = devices.ToDictionary(d => d.Id, d => DeviceConfiguration.Effective(fleet, d));
        fleet.Config = fleet.Config.With(change);
        var after = DeviceConfiguration.Desired(fleet);
        if (ConfigValidation.ValidateResult(after) is { } unrunnable)
        {
            return new ConfigChangeResult(unrunnable, false, before, null, 0);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var bumped = new List<Device>();
        foreach (var device in devices)
        {
            var effective = DeviceConfiguration.Effective(fleet, device);
            if (!effective.SameAs(effectiveBefore[device.Id]))
            {
                device.ConfigVersion++;
                bumped.Add(device);
                db.ConfigEvents.Add(Desired(device, effective, device.TinyModel(fleet), now));
            }
        }

        AuditLog.Record(db, now, actor, action, "fleet", fleetName, before, after, change.Reason);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        foreach (var device in bumped)
        {
            notifier.Changed(device.Id, device.ConfigVersion);
        }

        return new ConfigChangeResult(null, false, before, after, bumped.Count);
    }

    /// <summary>Sets (or, with <paramref name="clear"/>, removes) a device's overrides.</summary>
    public async Task<ConfigChangeResult> ChangeDeviceAsync(string deviceId, ConfigChange change, bool clear, string actor,
        string action, CancellationToken cancellationToken)
    {
        if (!clear && ConfigValidation.Validate(change) is { } invalid)
        {
            return new ConfigChangeResult(invalid, false, null, null, 0);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var device = await db.Devices.FirstOrDefaultAsync(d => d.Id == deviceId, cancellationToken);
        if (device is null)
        {
            return new ConfigChangeResult(null, true, null, null, 0);
        }

        var fleet = await db.Fleets.FirstAsync(f => f.Name == device.Fleet, cancellationToken);
        var before = DeviceConfiguration.Effective(fleet, device);
        var overridesBefore = device.Overrides;
        device.Overrides = clear ? ConfigValues.None : device.Overrides.With(change);

        var after = DeviceConfiguration.Effective(fleet, device);
        if (ConfigValidation.ValidateResult(after) is { } unrunnable)
        {
            return new ConfigChangeResult(unrunnable, false, before, null, 0);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var changed = !after.SameAs(before);
        if (changed)
        {
            device.ConfigVersion++;
            db.ConfigEvents.Add(Desired(device, after, device.TinyModel(fleet), now));
        }

        AuditLog.Record(db, now, actor, action, "device", deviceId, overridesBefore.Describe(), device.Overrides.Describe(), change.Reason);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (changed)
        {
            notifier.Changed(device.Id, device.ConfigVersion);
        }

        return new ConfigChangeResult(null, false, before, after, changed ? 1 : 0);
    }

    public async Task<EffectiveConfigResponse?> GetEffectiveAsync(string deviceId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.Devices.AsNoTracking().Where(d => d.Id == deviceId)
            .Join(db.Fleets.AsNoTracking(), d => d.Fleet, f => f.Name, (d, f) => new { Device = d, Fleet = f })
            .FirstOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            return null;
        }

        notifier.Remember(deviceId, row.Device.ConfigVersion);
        var c = DeviceConfiguration.Effective(row.Fleet, row.Device);
        return new EffectiveConfigResponse(row.Device.ConfigVersion, c.Rule, c.Threshold, c.Coefficients, c.TelemetryIntervalSeconds, row.Fleet.Name,
            await TinyModelAsync(db, row.Device.TinyModel(row.Fleet), cancellationToken), c.ExplorationRate);
    }

    /// <summary>The fleet's tiny model as a device fetches it; null if its version is not registered (nothing to fetch).</summary>
    private static async Task<TinyModelRef?> TinyModelAsync(HiPortalDb db, string reference, CancellationToken cancellationToken)
    {
        if (!Core.Inference.ModelReference.TryParse(reference, out var r) || r.Version is null)
        {
            return null;
        }

        var row = await db.ModelVersions.AsNoTracking().Where(m => m.Name == r.Name && m.Version == r.Version)
            .Select(m => new { m.Sha256, m.Bytes }).FirstOrDefaultAsync(cancellationToken);
        return row is null ? null : new TinyModelRef(r.Name, r.Version, row.Sha256, row.Bytes, Routes.ModelFile(r.Name, r.Version));
    }

    /// <summary>The device's current desired version, from memory when known.</summary>
    public async ValueTask<long> GetVersionAsync(string deviceId, CancellationToken cancellationToken)
    {
        if (notifier.TryGetVersion(deviceId, out var version))
        {
            return version;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        version = await db.Devices.Where(d => d.Id == deviceId).Select(d => d.ConfigVersion).FirstOrDefaultAsync(cancellationToken);
        notifier.Remember(deviceId, version);
        return version;
    }

    /// <summary>A device reports what it did with a version. Unknown (future) versions are refused.</summary>
    public async Task<FieldError?> AcknowledgeAsync(string deviceId, long version, string status, string? message,
        CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var device = await db.Devices.FirstAsync(d => d.Id == deviceId, cancellationToken);
        if (version < 1 || version > device.ConfigVersion)
        {
            return new FieldError("version", $"must be a version this device was given (1..{device.ConfigVersion})");
        }

        var now = time.GetUtcNow().UtcDateTime;
        // A late ack for an older version is kept in the history but does not move the reported state backwards.
        if (device.ReportedVersion is null || version >= device.ReportedVersion)
        {
            device.ReportedVersion = version;
            device.ReportedStatus = status;
            device.ReportedMessage = message;
            device.ReportedAt = now;
        }

        db.ConfigEvents.Add(new ConfigEvent { DeviceId = deviceId, Version = version, At = now, Kind = status, Detail = message });
        // A fleet's devices ack a change together: 1,000 of them in a second.
        using var turn = await gate.EnterAsync(cancellationToken: cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return null;
    }

    /// <summary>
    /// The history row of a desired version: the effective configuration and the tiny model (name@version) the device
    /// should run, so a θ change and a model switch (<c>PUT .../fleets/{name}/models</c>) leave the same kind of trace.
    /// </summary>
    internal static ConfigEvent Desired(Device device, DeviceConfiguration effective, string tinyModel, DateTime at) => new()
    {
        DeviceId = device.Id,
        Version = device.ConfigVersion,
        At = at,
        Kind = "desired",
        Detail = JsonSerializer.Serialize(new DesiredDetail(effective.Rule, effective.Threshold, effective.Coefficients,
            effective.TelemetryIntervalSeconds, tinyModel), s_json),
    };

    private sealed record DesiredDetail(string Rule, double Threshold, double[]? Coefficients, int TelemetryIntervalSeconds, string TinyModel);
}
