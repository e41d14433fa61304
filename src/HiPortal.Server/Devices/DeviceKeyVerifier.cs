using System.Collections.Concurrent;
using System.Security.Claims;
using HiPortal.Server.Identity;
using HiPortal.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Devices;

/// <summary>
/// Checks device keys against their stored hashes. Verified keys are remembered for a short while (keyed by the
/// key's hash, never the key) so the ingest hot path does not hit the database for every request; with each one the
/// principal its requests carry, built once (nothing in the server changes a principal once authenticated).
/// Revoking or rotating a key clears the whole cache (<see cref="Invalidate"/>), so it takes effect on the next request.
/// </summary>
public sealed class DeviceKeyVerifier(IDbContextFactory<HiPortalDb> dbFactory, IOptions<IdentityOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Verified> _cache = new();

    public async Task<DeviceIdentity?> VerifyAsync(string key, CancellationToken cancellationToken) =>
        (await VerifiedAsync(key, cancellationToken))?.Device;

    /// <summary>The principal of the device that holds <paramref name="key"/>, null when the key is unknown or revoked.</summary>
    public async ValueTask<ClaimsPrincipal?> AuthenticateAsync(string key, string scheme, CancellationToken cancellationToken) =>
        (await VerifiedAsync(key, cancellationToken))?.Principal(scheme);

    private async ValueTask<Verified?> VerifiedAsync(string key, CancellationToken cancellationToken)
    {
        if (!DeviceKeyFormat.TryParse(key, out var keyId, out var secret))
        {
            return null;
        }

        var cacheKey = DeviceKeyFormat.Hash(key);
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(cacheKey, out var cached) && cached.Until > now)
        {
            return cached;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var match = await db.DeviceKeys.AsNoTracking()
            .Where(k => k.KeyId == keyId && k.RevokedAt == null)
            .Join(db.Devices.Where(d => d.RevokedAt == null), k => k.DeviceId, d => d.Id, (k, d) => new { k.SecretHash, d.Id, d.Fleet })
            .FirstOrDefaultAsync(cancellationToken);
        if (match is null || !DeviceKeyFormat.Matches(secret, match.SecretHash))
        {
            _cache.TryRemove(cacheKey, out _);
            return null;
        }

        var verified = new Verified(new DeviceIdentity(match.Id, match.Fleet), now.Add(options.Value.DeviceKeyCacheLifetime));
        _cache[cacheKey] = verified;
        return verified;
    }

    private sealed class Verified(DeviceIdentity device, DateTimeOffset until)
    {
        private DevicePrincipal? _principal;

        public DeviceIdentity Device => device;

        public DateTimeOffset Until => until;

        /// <summary>Built on first use; two racing requests may each build one, which is harmless.</summary>
        public DevicePrincipal Principal(string scheme) =>
            _principal is { } p && p.Identity?.AuthenticationType == scheme ? p : _principal = new DevicePrincipal(device, scheme);
    }

    /// <summary>Forget every cached verification (a key was revoked or rotated): takes effect at once.</summary>
    public void Invalidate()
    {
        Forget();
        InvalidatedHere?.Invoke();
    }

    /// <summary>Raised when a key changed on this instance (the scale-out relay tells the others).</summary>
    public event Action? InvalidatedHere;

    /// <summary>Forgets every cached verification (a key changed here or on another instance).</summary>
    public void Forget() => _cache.Clear();
}
