using System.Globalization;
using HiPortal.Server.RateLimiting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace HiPortal.Server.ScaleOut;

/// <summary>
/// The caller token buckets of <see cref="TokenBucket"/>, kept in Redis and updated by one Lua script, so a check and
/// its take are atomic across instances and the clock is Redis's own (instances' clocks may differ). Same rules: a
/// cost over the burst is let in when the bucket is full and paid for as debt. A bucket expires once it would be full.
/// </summary>
public sealed class SharedRateLimits(RedisConnection redis, IOptions<ScaleOutOptions> options) : ISharedRateLimits
{
    // KEYS[1] bucket; ARGV rate/s, burst, cost. Returns the wait in seconds as a string ("0" = allowed):
    // a Lua number returned to Redis is truncated to an integer.
    private static readonly LuaScript s_take = LuaScript.Prepare("""
        local rate = tonumber(@rate)
        local burst = tonumber(@burst)
        local cost = tonumber(@cost)
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local state = redis.call('HMGET', @key, 'tokens', 'at')
        local tokens = tonumber(state[1]) or burst
        local at = tonumber(state[2]) or now
        tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
        local need = math.min(cost, burst)
        local wait = 0
        if tokens >= need then tokens = tokens - cost else wait = (need - tokens) / rate end
        redis.call('HSET', @key, 'tokens', tostring(tokens), 'at', tostring(now))
        redis.call('PEXPIRE', @key, math.floor(math.min(86400000, (burst - tokens) / rate * 1000)) + 1000)
        return tostring(wait)
        """);

    public async ValueTask<SharedTake> TryTakeAsync(string key, double ratePerSecond, double burst, double cost, CancellationToken cancellationToken)
    {
        if (!redis.IsConnected)
        {
            redis.ReportUnavailable("rate limits", null);
            return default;
        }

        try
        {
            var result = await redis.Connection.Result.GetDatabase()
                .ScriptEvaluateAsync(s_take, new { key = redis.Key("rate:" + key), rate = ratePerSecond, burst, cost })
                .WaitAsync(options.Value.CommandTimeout, cancellationToken);
            var seconds = double.Parse((string)result!, CultureInfo.InvariantCulture);
            return new SharedTake(true, seconds <= 0 ? null
                : seconds >= TokenBucket.MaxWait.TotalSeconds || double.IsNaN(seconds) ? TokenBucket.MaxWait : TimeSpan.FromSeconds(seconds));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            redis.ReportUnavailable("rate limits", ex);
            return default;
        }
    }
}
