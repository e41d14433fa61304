using System.Collections.Concurrent;
using System.Security.Claims;
using HiPortal.Server.Identity;
using HiPortal.Server.Persistence;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Devices;

/// <summary>
/// Checks device keys against their stored hashes. Verified keys are remembered for a short while (keyed by the
/// key's hash, never the key) so the ingest hot path does not hit the database for every request; with each one the
/// principal its requests carry, built once (nothing in the server changes a principal once authenticated).
/// Revoking or rotating a key clears the whole cache (<see cref="Invalidate"/>), so it takes effect on the next request.
/// </summary>
public sealed class DeviceKeyVerifier(IRawDatabase database, IOptions<IdentityOptions> options, TimeProvider time)
{
    // Through a raw connection kept open by its pool: an EF Core context opens its connection per query, and on SQLite
    // each open registers EF Core's SQL functions again, each a finalizable handle left to the GC (a fleet's keys
    // expire from the cache every 30 s: 1,000 devices make about 33 checks a second, by that arithmetic, not a count).
    private const string MatchSql = """
        SELECT k."SecretHash", d."Id", d."Fleet" FROM "DeviceKeys" k JOIN "Devices" d ON d."Id" = k."DeviceId"
        WHERE k."KeyId" = @keyId AND k."RevokedAt" IS NULL AND d."RevokedAt" IS NULL
        """;

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

        var match = await MatchAsync(keyId, cancellationToken);
        if (match is not { } found || !DeviceKeyFormat.Matches(secret, found.SecretHash))
        {
            _cache.TryRemove(cacheKey, out _);
            return null;
        }

        var verified = new Verified(new DeviceIdentity(found.DeviceId, found.Fleet), now.Add(options.Value.DeviceKeyCacheLifetime));
        _cache[cacheKey] = verified;
        return verified;
    }

    /// <summary>The live key's hash and its live device; null when either is unknown or revoked (key ids are unique).</summary>
    private async Task<(string SecretHash, string DeviceId, string Fleet)?> MatchAsync(string keyId, CancellationToken cancellationToken)
    {
        await using var lease = await database.OpenAsync(cancellationToken);
        lease.Broken = true; // until the read completes
        await using var command = SqlCommands.Create(lease.Connection, null, MatchSql, "@keyId");
        command.Parameters[0].Value = keyId;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        (string, string, string)? match = await reader.ReadAsync(cancellationToken)
            ? (reader.GetString(0), reader.GetString(1), reader.GetString(2))
            : null;
        lease.Broken = false;
        return match;
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
