using HiPortal.Server.Audit;
using HiPortal.Server.Fleets;
using HiPortal.Server.Identity;
using HiPortal.Server.Persistence;
using HiPortal.Server.Problems;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Devices;

/// <summary>
/// Putting devices on the platform and taking them off: registering, key rotation and revocation. The admin API and
/// the dashboard both call these, so both check, audit and refuse alike. Rotation keeps at most two keys valid (old
/// and new) during a change-over; revoking a key or a whole device takes effect at once (the verifier's cache is cleared).
/// </summary>
public sealed class DeviceAdmin(IDbContextFactory<HiPortalDb> dbFactory, DeviceKeyVerifier verifier, TimeProvider time)
{
    public const int MaxActiveKeys = 2;

    public async Task<Outcome<CreatedDevice>> CreateAsync(CreateDeviceRequest? request, CurrentUser user, CancellationToken cancellationToken)
    {
        if (!user.IsAdmin)
        {
            return Refusal.AdminsOnly;
        }

        var name = request?.Name?.Trim();
        var fleet = string.IsNullOrWhiteSpace(request?.Fleet) ? Fleet.DefaultName : request.Fleet.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 128)
        {
            return Refusal.Invalid("name", "name is required and at most 128 characters");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!FleetNames.IsValid(fleet) || !await db.Fleets.AnyAsync(f => f.Name == fleet, cancellationToken))
        {
            return Refusal.Invalid("fleet", $"unknown fleet '{fleet}'; create it first (POST {Routes.Fleets})");
        }

        var (key, keyId, hash) = DeviceKeyFormat.Generate();
        var now = time.GetUtcNow().UtcDateTime;
        var device = new Device { Id = DeviceKeyFormat.NewDeviceId(), Name = name, Fleet = fleet, CreatedAt = now };
        device.Keys.Add(new DeviceKey { DeviceId = device.Id, KeyId = keyId, SecretHash = hash, CreatedAt = now });
        db.Devices.Add(device);
        AuditLog.Record(db, now, user.Actor, "device.create", "device", device.Id, null, new { name, fleet, keyId }, null);
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedDevice(device.Id, name, fleet, key, keyId);
    }

    public async Task<Outcome<RotatedKey>> RotateKeyAsync(string id, CurrentUser user, CancellationToken cancellationToken)
    {
        if (!user.IsAdmin)
        {
            return Refusal.AdminsOnly;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // One write transaction from the count to the insert: two rotations at once cannot both see room for a key.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var device = await db.Devices.Include(d => d.Keys).FirstOrDefaultAsync(d => d.Id == id, cancellationToken);
        if (device is null)
        {
            return UnknownDevice(id);
        }

        if (device.RevokedAt is not null)
        {
            return new Refusal(StatusCodes.Status409Conflict, "The device is revoked.", "deviceId", "a revoked device gets no new keys");
        }

        if (device.Keys.Count(k => k.RevokedAt == null) >= MaxActiveKeys)
        {
            return new Refusal(StatusCodes.Status409Conflict, "Too many active keys.", "keys",
                $"a device has at most {MaxActiveKeys} valid keys; revoke the old one first");
        }

        var (key, keyId, hash) = DeviceKeyFormat.Generate();
        var now = time.GetUtcNow().UtcDateTime;
        device.Keys.Add(new DeviceKey { DeviceId = id, KeyId = keyId, SecretHash = hash, CreatedAt = now });
        AuditLog.Record(db, now, user.Actor, "key.rotate", "device", id, null, new { keyId }, null);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        var active = device.Keys.Where(k => k.RevokedAt == null).Select(k => k.KeyId).ToList();
        return new RotatedKey(id, key, keyId, active);
    }

    /// <summary>Null when the key is revoked (also when it already was).</summary>
    public async Task<Refusal?> RevokeKeyAsync(string id, string keyId, string? reason, CurrentUser user, CancellationToken cancellationToken)
    {
        if (!user.IsAdmin)
        {
            return Refusal.AdminsOnly;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var key = await db.DeviceKeys.FirstOrDefaultAsync(k => k.DeviceId == id && k.KeyId == keyId, cancellationToken);
        if (key is null)
        {
            return new Refusal(StatusCodes.Status404NotFound, "Unknown key.", "keyId", $"device '{id}' has no key '{keyId}'");
        }

        var now = time.GetUtcNow().UtcDateTime;
        key.RevokedAt ??= now;
        AuditLog.Record(db, now, user.Actor, "key.revoke", "device", id, new { keyId }, null, reason);
        await db.SaveChangesAsync(cancellationToken);
        verifier.Invalidate();
        return null;
    }

    /// <summary>Revokes the device and every key it has; null when done.</summary>
    public async Task<Refusal?> RevokeDeviceAsync(string id, string? reason, CurrentUser user, CancellationToken cancellationToken)
    {
        if (!user.IsAdmin)
        {
            return Refusal.AdminsOnly;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var device = await db.Devices.Include(d => d.Keys).FirstOrDefaultAsync(d => d.Id == id, cancellationToken);
        if (device is null)
        {
            return UnknownDevice(id);
        }

        var now = time.GetUtcNow().UtcDateTime;
        device.RevokedAt ??= now;
        foreach (var key in device.Keys)
        {
            key.RevokedAt ??= now;
        }

        AuditLog.Record(db, now, user.Actor, "device.revoke", "device", id, null, null, reason);
        await db.SaveChangesAsync(cancellationToken);
        verifier.Invalidate();
        return null;
    }

    internal static Refusal UnknownDevice(string id) => new(StatusCodes.Status404NotFound, "Unknown device.", "deviceId", $"no device '{id}'");
}
