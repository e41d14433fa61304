using System.Collections.Concurrent;
using HiPortal.Server.RateLimiting;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Identity;

/// <summary>
/// Brute-force throttling for the token endpoint and the login form: failed sign-ins are counted per username and
/// per client address (token buckets of failures), and once either is spent every attempt is refused with 429
/// until it refills, even with the right password. Successful sign-ins cost nothing.
/// </summary>
public sealed class SignInThrottle(IOptions<IdentityOptions> options, TimeProvider time)
{
    // Buckets that have refilled are forgotten past this many, so random usernames cannot grow memory for ever.
    private const int MaxTracked = 10_000;
    private readonly ConcurrentDictionary<string, TokenBucket> _buckets = new();

    /// <summary>Null when an attempt may be made now, else how long until it may.</summary>
    public TimeSpan? Check(string username, string client)
    {
        var now = time.GetTimestamp();
        TimeSpan? wait = null;
        foreach (var key in Keys(username, client))
        {
            if (_buckets.TryGetValue(key, out var bucket) && bucket.Peek(1, now, time.TimestampFrequency) is { } w)
            {
                wait = wait is { } other && other > w ? other : w;
            }
        }

        return wait;
    }

    public void Failed(string username, string client)
    {
        var now = time.GetTimestamp();
        var o = options.Value;
        var keys = Keys(username, client);
        for (var i = 0; i < keys.Length; i++)
        {
            var (perMinute, burst) = i == 0 ? (o.SignInFailuresPerUserPerMinute, o.SignInFailureBurstPerUser)
                : (o.SignInFailuresPerClientPerMinute, o.SignInFailureBurstPerClient);
            _buckets.GetOrAdd(keys[i], _ => new TokenBucket(perMinute / 60.0, burst, now)).TryTake(1, now, time.TimestampFrequency);
        }

        if (_buckets.Count > MaxTracked)
        {
            foreach (var (key, bucket) in _buckets)
            {
                if (bucket.IsFull(now, time.TimestampFrequency))
                {
                    _buckets.TryRemove(key, out _);
                }
            }
        }
    }

    private static string[] Keys(string username, string client) => ["user:" + Names.CanonicalUser(username), "client:" + client];

    public const string Detail = "too many failed sign-ins for this user or from this address";

    public static string ClientOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
