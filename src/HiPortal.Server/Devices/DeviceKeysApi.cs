using HiPortal.Server.Audit;
using HiPortal.Server.Identity;
using HiPortal.Server.Persistence;
using HiPortal.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Devices;

/// <summary>
/// Key rotation keeps at most two keys valid (old and new) during a change-over; revoking a key or a whole
/// device takes effect at once (the verifier's cache is cleared).
/// </summary>
public static class DeviceKeysApi
{
    public const int MaxActiveKeys = 2;

    public static async Task<Results<Created<RotatedKey>, ProblemHttpResult>> RotateKey(string id, IDbContextFactory<HiPortalDb> dbFactory,
        TimeProvider time, CurrentUser user, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var device = await db.Devices.Include(d => d.Keys).FirstOrDefaultAsync(d => d.Id == id, cancellationToken);
        if (device is null)
        {
            return DevicesApi.NotFound(id);
        }

        if (device.RevokedAt is not null)
        {
            return ProblemResults.Status(StatusCodes.Status409Conflict, "The device is revoked.", "a revoked device gets no new keys", "deviceId");
        }

        if (device.Keys.Count(k => k.RevokedAt == null) >= MaxActiveKeys)
        {
            return ProblemResults.Status(StatusCodes.Status409Conflict, "Too many active keys.",
                $"a device has at most {MaxActiveKeys} valid keys; revoke the old one first", "keys");
        }

        var (key, keyId, hash) = DeviceKeyFormat.Generate();
        var now = time.GetUtcNow().UtcDateTime;
        device.Keys.Add(new DeviceKey { DeviceId = id, KeyId = keyId, SecretHash = hash, CreatedAt = now });
        AuditLog.Record(db, now, user.Actor, "key.rotate", "device", id, null, new { keyId }, null);
        await db.SaveChangesAsync(cancellationToken);
        var active = device.Keys.Where(k => k.RevokedAt == null).Select(k => k.KeyId).ToList();
        return TypedResults.Created(Routes.DeviceKey(id, keyId), new RotatedKey(id, key, keyId, active));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeKey(string id, string keyId, string? reason,
        IDbContextFactory<HiPortalDb> dbFactory, DeviceKeyVerifier verifier, TimeProvider time, CurrentUser user,
        CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var key = await db.DeviceKeys.FirstOrDefaultAsync(k => k.DeviceId == id && k.KeyId == keyId, cancellationToken);
        if (key is null)
        {
            return ProblemResults.Status(StatusCodes.Status404NotFound, "Unknown key.", $"device '{id}' has no key '{keyId}'", "keyId");
        }

        var now = time.GetUtcNow().UtcDateTime;
        key.RevokedAt ??= now;
        AuditLog.Record(db, now, user.Actor, "key.revoke", "device", id, new { keyId }, null, reason);
        await db.SaveChangesAsync(cancellationToken);
        verifier.Invalidate();
        return TypedResults.NoContent();
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeDevice(string id, string? reason,
        IDbContextFactory<HiPortalDb> dbFactory, DeviceKeyVerifier verifier, TimeProvider time, CurrentUser user,
        CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var device = await db.Devices.Include(d => d.Keys).FirstOrDefaultAsync(d => d.Id == id, cancellationToken);
        if (device is null)
        {
            return DevicesApi.NotFound(id);
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
        return TypedResults.NoContent();
    }
}
