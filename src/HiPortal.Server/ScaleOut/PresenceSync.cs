using HiPortal.Server.Presence;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace HiPortal.Server.ScaleOut;

/// <summary>
/// Shares last-seen times between instances once per <see cref="ScaleOutOptions.PresenceSyncInterval"/>: this
/// instance's recent ones go into one sorted set (score = last seen, ms; member = device and fleet; only ever moved
/// forward), and every device seen within <see cref="PresenceOptions.OfflineAfter"/> comes back into local memory.
/// Requests never wait for it; while Redis is away each instance knows its own devices only.
/// </summary>
public sealed class PresenceSync(RedisConnection redis, DevicePresence presence, IOptions<ScaleOutOptions> options, TimeProvider time)
    : BackgroundService
{
    private DateTimeOffset _sharedUntil = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PresenceSyncInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await SyncOnceAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    public async Task SyncOnceAsync(CancellationToken cancellationToken)
    {
        if (!redis.IsConnected)
        {
            return; // Kept in memory: what is seen meanwhile is shared once Redis is back (_sharedUntil did not move).
        }

        var now = time.GetUtcNow();
        try
        {
            var db = redis.Connection.Result.GetDatabase();
            var key = redis.Key("presence");
            var mine = presence.SeenSince(_sharedUntil);
            if (mine.Count > 0)
            {
                var entries = mine.Select(s => new SortedSetEntry(s.DeviceId + "|" + s.Fleet, s.At.ToUnixTimeMilliseconds())).ToArray();
                await db.SortedSetAddAsync(key, entries, SortedSetWhen.GreaterThan).WaitAsync(cancellationToken);
            }

            var offlineAfter = presence.OfflineAfter;
            // Entries long offline are dropped; the database keeps every device's last-seen time.
            await db.SortedSetRemoveRangeByScoreAsync(key, double.NegativeInfinity, (now - (2 * offlineAfter)).ToUnixTimeMilliseconds())
                .WaitAsync(cancellationToken);
            var online = await db.SortedSetRangeByScoreWithScoresAsync(key, (now - offlineAfter).ToUnixTimeMilliseconds())
                .WaitAsync(cancellationToken);
            foreach (var entry in online)
            {
                var member = entry.Element.ToString();
                var split = member.IndexOf('|', StringComparison.Ordinal);
                if (split > 0)
                {
                    presence.Merge(member[..split], member[(split + 1)..], DateTimeOffset.FromUnixTimeMilliseconds((long)entry.Score));
                }
            }

            // A second of overlap: a request marking its device while the list was read is shared next time.
            _sharedUntil = now - TimeSpan.FromSeconds(1);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            redis.ReportUnavailable("presence", ex);
        }
    }
}
