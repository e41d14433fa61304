using System.Collections.Concurrent;
using System.Security.Claims;
using HiPortal.Server.Devices;
using HiPortal.Server.Fleets;
using HiPortal.Server.Identity;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.RateLimiting;

/// <summary>
/// One token bucket per caller: a device's sized by its fleet (<see cref="Fleet.RateLimitPerSecond"/>,
/// <see cref="Fleet.RateLimitBurst"/>), an admin's or operator's by <see cref="RateLimitOptions"/>. Each caller has
/// its own share whatever fleets it touches, so no single caller can take the inference capacity of all.
/// </summary>
public sealed class CallerRateLimiter
{
    private readonly ConcurrentDictionary<string, Entry> _buckets = new();
    private readonly FleetSettingsCache _fleets;
    private readonly IOptions<RateLimitOptions> _options;
    private readonly TimeProvider _time;
    private readonly ISharedRateLimits? _shared;

    /// <param name="shared">Buckets shared by all instances (Redis), when configured; this instance's own buckets answer when it cannot.</param>
    public CallerRateLimiter(FleetSettingsCache fleets, IOptions<RateLimitOptions> options, TimeProvider time, ISharedRateLimits? shared = null)
    {
        _shared = shared;
        _fleets = fleets;
        _options = options;
        _time = time;
        // New fleet limits apply at once: buckets of that fleet are rebuilt on their next request.
        fleets.Invalidated += fleet =>
        {
            foreach (var (caller, entry) in _buckets)
            {
                if (entry.Fleet == fleet)
                {
                    _buckets.TryRemove(caller, out _);
                }
            }
        };
    }

    /// <summary>
    /// Charges <paramref name="cost"/> to the caller; returns null when allowed (or the caller is anonymous, which is
    /// throttled elsewhere), else how long until it would be.
    /// </summary>
    public async ValueTask<TimeSpan?> TryAcquireAsync(ClaimsPrincipal caller, double cost, CancellationToken cancellationToken)
    {
        var key = Key(caller, out var device);
        if (key is null || cost <= 0)
        {
            return null;
        }

        var entry = await EntryAsync(key, device, cancellationToken);
        if (_shared is not null &&
            await _shared.TryTakeAsync(key, entry.RatePerSecond, entry.Burst, cost, cancellationToken) is { Answered: true } shared)
        {
            return shared.Wait;
        }

        return entry.Bucket.TryTake(cost, _time.GetTimestamp(), _time.TimestampFrequency);
    }

    /// <summary>The most the caller's bucket holds (its fleet's burst, or a user's); null for an anonymous caller.</summary>
    public async ValueTask<double?> BurstAsync(ClaimsPrincipal caller, CancellationToken cancellationToken) =>
        Key(caller, out var device) is { } key ? (await EntryAsync(key, device, cancellationToken)).Burst : null;

    private async ValueTask<Entry> EntryAsync(string key, DeviceIdentity? device, CancellationToken cancellationToken)
    {
        if (_buckets.TryGetValue(key, out var entry))
        {
            return entry;
        }

        var now = _time.GetTimestamp();
        if (device is not null)
        {
            var fleet = await _fleets.GetAsync(device.Fleet, cancellationToken);
            double rate = fleet?.RateLimitPerSecond ?? 50, burst = fleet?.RateLimitBurst ?? 100;
            return _buckets.GetOrAdd(key, _ => new Entry(device.Fleet, rate, burst, new TokenBucket(rate, burst, now)));
        }

        var options = _options.Value;
        return _buckets.GetOrAdd(key, _ => new Entry(null, options.UserPerSecond, options.UserBurst,
            new TokenBucket(options.UserPerSecond, options.UserBurst, now)));
    }

    private sealed record Entry(string? Fleet, double RatePerSecond, double Burst, TokenBucket Bucket);

    private static string? Key(ClaimsPrincipal caller, out DeviceIdentity? device)
    {
        device = DeviceIdentity.From(caller);
        if (device is not null)
        {
            return device.CallerKey;
        }

        return (caller.IsInRole(Roles.Admin) || caller.IsInRole(Roles.Operator)) && caller.FindFirstValue(ClaimTypes.NameIdentifier) is { } id
            ? "user:" + id
            : null;
    }
}
