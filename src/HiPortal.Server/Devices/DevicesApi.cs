using System.Security.Claims;
using HiPortal.Server.Audit;
using HiPortal.Server.Fleets;
using HiPortal.Server.Identity;
using HiPortal.Server.Persistence;
using HiPortal.Server.Presence;
using HiPortal.Server.Problems;
using HiPortal.Server.RemoteConfig;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Devices;

public sealed record DeviceRow(
    string DeviceId,
    string Name,
    string Fleet,
    bool Online,
    DateTimeOffset? LastSeenAt,
    string Rule,
    double Threshold,
    bool HasOverride,
    long ConfigVersion,
    long? ReportedVersion,
    string? ReportedStatus,
    bool Pending,
    bool Revoked);

public sealed record DevicePage(int Total, int Page, int PageSize, List<DeviceRow> Items);

public sealed record KeyView(string KeyId, DateTime CreatedAt, DateTime? RevokedAt);

public sealed record DeviceDetail(DeviceRow Device, EffectiveConfigResponse? Effective, object Overrides, List<KeyView> Keys,
    string? ReportedMessage, DateTime? ReportedAt, long? LastTelemetrySequence, long TelemetryGaps, long TelemetryDuplicates);

/// <summary>Registering devices, finding them (server-side paging for 10,000s), and one device's full picture.</summary>
public static class DevicesApi
{
    public static IEndpointRouteBuilder MapDevicesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(Routes.Devices).WithTags("Devices");
        group.MapPost("/", CreateDevice).RequireAuthorization(Policies.Admin);
        group.MapGet("/", ListDevices).RequireAuthorization(Policies.Reader);
        group.MapGet("/{id}", GetDevice).RequireAuthorization(Policies.Reader);
        group.MapGet("/{id}/config-history", ConfigHistory).RequireAuthorization(Policies.Reader);
        group.MapPut("/{id}/config", SetOverride).RequireAuthorization(Policies.Admin);
        group.MapDelete("/{id}/config", ClearOverride).RequireAuthorization(Policies.Admin);
        group.MapPost("/{id}/keys", DeviceKeysApi.RotateKey).RequireAuthorization(Policies.Admin);
        group.MapDelete("/{id}/keys/{keyId}", DeviceKeysApi.RevokeKey).RequireAuthorization(Policies.Admin);
        group.MapPost("/{id}/revoke", DeviceKeysApi.RevokeDevice).RequireAuthorization(Policies.Admin);
        return app;
    }

    public static async Task<Results<Created<CreatedDevice>, ProblemHttpResult>> CreateDevice(
        CreateDeviceRequest? request, IDbContextFactory<HiPortalDb> dbFactory, TimeProvider time, ClaimsPrincipal user,
        CancellationToken cancellationToken)
    {
        var name = request?.Name?.Trim();
        var fleet = string.IsNullOrWhiteSpace(request?.Fleet) ? Fleet.DefaultName : request.Fleet.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 128)
        {
            return ProblemResults.Validation("name", "name is required and at most 128 characters");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!FleetNames.IsValid(fleet) || !await db.Fleets.AnyAsync(f => f.Name == fleet, cancellationToken))
        {
            return ProblemResults.Validation("fleet", $"unknown fleet '{fleet}'; create it first (POST /api/v1/admin/fleets)");
        }

        var (key, keyId, hash) = DeviceKeyFormat.Generate();
        var now = time.GetUtcNow().UtcDateTime;
        var device = new Device { Id = DeviceKeyFormat.NewDeviceId(), Name = name, Fleet = fleet, CreatedAt = now };
        device.Keys.Add(new DeviceKey { DeviceId = device.Id, KeyId = keyId, SecretHash = hash, CreatedAt = now });
        db.Devices.Add(device);
        AuditLog.Record(db, now, FleetsApi.Actor(user), "device.create", "device", device.Id, null, new { name, fleet, keyId }, null);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created(Routes.Device(device.Id), new CreatedDevice(device.Id, name, fleet, key, keyId));
    }

    public static async Task<Results<Ok<DevicePage>, ProblemHttpResult>> ListDevices(
        IDbContextFactory<HiPortalDb> dbFactory, DevicePresence presence, TimeProvider time, string? fleet, string? status,
        string? name, string? sort, bool? descending, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        var size = pageSize ?? 50;
        if (size is < 1 or > 500)
        {
            return ProblemResults.Validation("pageSize", "must be between 1 and 500");
        }

        if (page is < 1)
        {
            return ProblemResults.Validation("page", "must be 1 or more");
        }

        if (status is not (null or "online" or "offline" or "pending" or "applied" or "revoked"))
        {
            return ProblemResults.Validation("status", "one of online, offline, pending, applied, revoked");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.Devices.AsNoTracking().Join(db.Fleets.AsNoTracking(), d => d.Fleet, f => f.Name, (d, f) => new { d, f });
        if (!string.IsNullOrEmpty(fleet))
        {
            query = query.Where(x => x.d.Fleet == fleet);
        }

        if (!string.IsNullOrEmpty(name))
        {
            query = query.Where(x => x.d.Name.Contains(name) || x.d.Id.Contains(name));
        }

        var onlineSince = (time.GetUtcNow() - presence.OfflineAfter).UtcDateTime;
        query = status switch
        {
            "online" => query.Where(x => x.d.RevokedAt == null && x.d.LastSeenAt >= onlineSince),
            "offline" => query.Where(x => x.d.RevokedAt == null && (x.d.LastSeenAt == null || x.d.LastSeenAt < onlineSince)),
            "pending" => query.Where(x => x.d.RevokedAt == null && (x.d.ReportedVersion != x.d.ConfigVersion || x.d.ReportedVersion == null || x.d.ReportedStatus != "applied")),
            "applied" => query.Where(x => x.d.RevokedAt == null && x.d.ReportedVersion == x.d.ConfigVersion && x.d.ReportedStatus == "applied"),
            "revoked" => query.Where(x => x.d.RevokedAt != null),
            _ => query,
        };
        var desc = descending ?? false;
        query = sort switch
        {
            "lastSeen" => desc ? query.OrderByDescending(x => x.d.LastSeenAt) : query.OrderBy(x => x.d.LastSeenAt),
            "fleet" => desc ? query.OrderByDescending(x => x.d.Fleet).ThenBy(x => x.d.Name) : query.OrderBy(x => x.d.Fleet).ThenBy(x => x.d.Name),
            "threshold" => desc ? query.OrderByDescending(x => x.d.OverrideThreshold ?? x.f.Threshold) : query.OrderBy(x => x.d.OverrideThreshold ?? x.f.Threshold),
            _ => desc ? query.OrderByDescending(x => x.d.Name) : query.OrderBy(x => x.d.Name),
        };
        var total = await query.CountAsync(cancellationToken);
        var current = page ?? 1;
        // In long: (page - 1) * pageSize overflows int for huge pages and would wrap around to earlier rows.
        var skip = (long)(current - 1) * size;
        var rows = skip >= total ? []
            : await query.Skip((int)skip).Take(size).Select(x => x.d).ToListAsync(cancellationToken);
        var fleets = await db.Fleets.AsNoTracking().ToDictionaryAsync(f => f.Name, cancellationToken);
        return TypedResults.Ok(new DevicePage(total, current, size, rows.Select(d => Row(d, fleets[d.Fleet], presence)).ToList()));
    }

    public static async Task<Results<Ok<DeviceDetail>, ProblemHttpResult>> GetDevice(string id, IDbContextFactory<HiPortalDb> dbFactory,
        DevicePresence presence, ConfigService configs, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var device = await db.Devices.AsNoTracking().Include(d => d.Keys).FirstOrDefaultAsync(d => d.Id == id, cancellationToken);
        if (device is null)
        {
            return NotFound(id);
        }

        var fleet = await db.Fleets.AsNoTracking().FirstAsync(f => f.Name == device.Fleet, cancellationToken);
        var overrides = new
        {
            rule = device.OverrideRule,
            threshold = device.OverrideThreshold,
            coefficients = device.OverrideLrBias is { } b ? new[] { b, device.OverrideLrW1 ?? 0, device.OverrideLrW2 ?? 0 } : null,
            telemetryIntervalSeconds = device.OverrideTelemetryIntervalSeconds,
        };
        return TypedResults.Ok(new DeviceDetail(Row(device, fleet, presence), await configs.GetEffectiveAsync(id, cancellationToken),
            overrides, device.Keys.Select(k => new KeyView(k.KeyId, k.CreatedAt, k.RevokedAt)).ToList(), device.ReportedMessage,
            device.ReportedAt, device.LastTelemetrySequence, device.TelemetryGaps, device.TelemetryDuplicates));
    }

    public static async Task<Results<Ok<List<ConfigEvent>>, ProblemHttpResult>> ConfigHistory(string id, int? take,
        IDbContextFactory<HiPortalDb> dbFactory, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!await db.Devices.AnyAsync(d => d.Id == id, cancellationToken))
        {
            return NotFound(id);
        }

        var events = await db.ConfigEvents.AsNoTracking().Where(e => e.DeviceId == id).OrderByDescending(e => e.Id)
            .Take(Math.Clamp(take ?? 100, 1, 1000)).ToListAsync(cancellationToken);
        return TypedResults.Ok(events);
    }

    public static async Task<Results<Ok<ConfigChangeResult>, ProblemHttpResult>> SetOverride(string id, ConfigChange? change,
        ConfigService configs, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (change is null)
        {
            return ProblemResults.Validation("body", "a JSON object with the fields to override is required");
        }

        var result = await configs.ChangeDeviceAsync(id, change, clear: false, FleetsApi.Actor(user), "device.config", cancellationToken);
        return Result(id, result);
    }

    public static async Task<Results<Ok<ConfigChangeResult>, ProblemHttpResult>> ClearOverride(string id, string? reason,
        ConfigService configs, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var result = await configs.ChangeDeviceAsync(id, new ConfigChange(null, null, null, null, reason), clear: true,
            FleetsApi.Actor(user), "device.config.clear", cancellationToken);
        return Result(id, result);
    }

    internal static ProblemHttpResult NotFound(string id) =>
        ProblemResults.Status(StatusCodes.Status404NotFound, "Unknown device.", $"no device '{id}'", "deviceId");

    private static Results<Ok<ConfigChangeResult>, ProblemHttpResult> Result(string id, ConfigChangeResult result) => result switch
    {
        { NotFound: true } => NotFound(id),
        { Error: { } e } => ProblemResults.Validation(e.Field, e.Message),
        _ => TypedResults.Ok(result),
    };

    internal static DeviceRow Row(Device d, Fleet fleet, DevicePresence presence)
    {
        var effective = DeviceConfiguration.Effective(fleet, d);
        var lastSeen = presence.LastSeen(d.Id, d.LastSeenAt);
        var applied = d.ReportedVersion == d.ConfigVersion && d.ReportedStatus == "applied";
        return new DeviceRow(d.Id, d.Name, d.Fleet, d.RevokedAt is null && presence.IsOnline(lastSeen), lastSeen, effective.Rule,
            effective.Threshold, d.HasOverride, d.ConfigVersion, d.ReportedVersion, d.ReportedStatus, d.RevokedAt is null && !applied,
            d.RevokedAt is not null);
    }
}
