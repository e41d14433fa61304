using System.Collections.Concurrent;
using System.Globalization;
using HiPortal.Server.Devices;
using HiPortal.Server.Fleets;
using HiPortal.Server.Problems;

namespace HiPortal.Server.RateLimiting;

/// <summary>
/// One token bucket per device, sized by its fleet (<see cref="Fleet.RateLimitPerSecond"/>, <see cref="Fleet.RateLimitBurst"/>).
/// A request with no token left is answered 429 with the seconds until the next token in Retry-After.
/// </summary>
public sealed class DeviceRateLimiter
{
    private readonly ConcurrentDictionary<string, TokenBucket> _buckets = new();
    private readonly FleetSettingsCache _fleets;
    private readonly TimeProvider _time;

    public DeviceRateLimiter(FleetSettingsCache fleets, TimeProvider time)
    {
        _fleets = fleets;
        _time = time;
        // New fleet limits apply at once: buckets of that fleet are rebuilt on their next request.
        fleets.Invalidated += fleet =>
        {
            foreach (var (device, bucket) in _buckets)
            {
                if (bucket.Fleet == fleet)
                {
                    _buckets.TryRemove(device, out _);
                }
            }
        };
    }

    /// <summary>Takes a token; returns null when allowed, else how long until one is available.</summary>
    public async ValueTask<TimeSpan?> TryAcquireAsync(DeviceIdentity device, CancellationToken cancellationToken)
    {
        if (!_buckets.TryGetValue(device.DeviceId, out var bucket))
        {
            var fleet = await _fleets.GetAsync(device.Fleet, cancellationToken);
            bucket = _buckets.GetOrAdd(device.DeviceId, _ => new TokenBucket(device.Fleet,
                fleet?.RateLimitPerSecond ?? 50, fleet?.RateLimitBurst ?? 100, _time.GetTimestamp()));
        }

        return bucket.TryTake(_time.GetTimestamp(), _time.TimestampFrequency);
    }

    private sealed class TokenBucket(string fleet, double ratePerSecond, int burst, long now)
    {
        private readonly Lock _lock = new();
        private double _tokens = burst;
        private long _last = now;

        public string Fleet { get; } = fleet;

        public TimeSpan? TryTake(long now, long frequency)
        {
            lock (_lock)
            {
                _tokens = Math.Min(burst, _tokens + ((now - _last) * ratePerSecond / frequency));
                _last = now;
                if (_tokens >= 1)
                {
                    _tokens -= 1;
                    return null;
                }

                return TimeSpan.FromSeconds((1 - _tokens) / ratePerSecond);
            }
        }
    }
}

/// <summary>Endpoint filter for device routes.</summary>
public sealed class DeviceRateLimitFilter(DeviceRateLimiter limiter) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (DeviceIdentity.From(http.User) is { } device &&
            await limiter.TryAcquireAsync(device, http.RequestAborted) is { } wait)
        {
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return ProblemResults.Status(StatusCodes.Status429TooManyRequests, "Too many requests from this device.",
                $"the fleet allows this device a limited rate; retry in {wait.TotalSeconds:0.###} s");
        }

        return await next(context);
    }
}
