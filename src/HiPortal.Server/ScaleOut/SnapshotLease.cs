using HiPortal.Server.Live;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace HiPortal.Server.ScaleOut;

/// <summary>
/// One Redis key names the instance that sends live snapshots to hub clients; its holder renews it every tick, and
/// when the holder stops (or dies) the key expires after three intervals and the next instance to ask takes it.
/// While Redis is unreachable no instance holds it (the backplane that would carry the snapshots is down too).
/// </summary>
public sealed class SnapshotLease(RedisConnection redis, IOptions<LiveOptions> live, IOptions<ScaleOutOptions> options) : IPublisherLease
{
    private static readonly LuaScript s_hold = LuaScript.Prepare("""
        if redis.call('GET', @key) == @me then
            redis.call('PEXPIRE', @key, @ttl)
            return 1
        end
        if redis.call('SET', @key, @me, 'NX', 'PX', @ttl) then return 1 end
        return 0
        """);

    public async ValueTask<bool> HoldAsync(CancellationToken cancellationToken)
    {
        if (!redis.IsConnected)
        {
            return false;
        }

        try
        {
            var ttl = (long)Math.Max(2000, 3 * live.Value.Interval.TotalMilliseconds);
            var held = await redis.Connection.Result.GetDatabase()
                .ScriptEvaluateAsync(s_hold, new { key = redis.Key("live:publisher"), me = redis.InstanceId, ttl })
                .WaitAsync(options.Value.CommandTimeout, cancellationToken);
            return (long)held == 1;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            redis.ReportUnavailable("live snapshot lease", ex);
            return false;
        }
    }
}
