using System.Globalization;
using HiPortal.Server.Devices;
using HiPortal.Server.Fleets;
using HiPortal.Server.Identity;
using HiPortal.Server.RemoteConfig;
using StackExchange.Redis;

namespace HiPortal.Server.ScaleOut;

/// <summary>
/// Passes this instance's changes to the others over one Redis pub/sub channel, and applies theirs here: a device's
/// new config version wakes its long-poll wherever it waits; fleet settings, user sessions and verified device keys
/// are dropped from every instance's cache. Publishing never waits (fire and forget); a message lost in an outage is
/// made good when Redis returns, by forgetting what may be stale.
/// </summary>
public sealed class ClusterEvents(
    RedisConnection redis,
    ConfigNotifier config,
    FleetSettingsCache fleets,
    UserSessions users,
    DeviceKeyVerifier keys,
    ILogger<ClusterEvents> logger) : BackgroundService
{
    private const char Separator = '|';

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        config.ChangedHere += (device, version) => Publish("config", device, version.ToString(CultureInfo.InvariantCulture));
        fleets.InvalidatedHere += fleet => Publish("fleet", fleet);
        users.InvalidatedHere += user => Publish("user", user.ToString(CultureInfo.InvariantCulture));
        keys.InvalidatedHere += () => Publish("keys");
        redis.Restored += ForgetWhatMayBeStale;

        // The subscription is kept by the multiplexer and re-established after every reconnect; only the first one can fail.
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var multiplexer = await redis.Connection.WaitAsync(stoppingToken);
                await multiplexer.GetSubscriber().SubscribeAsync(RedisConnection.Channel("events"), (_, message) => Apply(message!));
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                redis.ReportUnavailable("subscribe to events", ex);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    private void Publish(string kind, params string[] args)
    {
        if (!redis.IsConnected)
        {
            redis.ReportUnavailable("publish " + kind, null);
            return;
        }

        try
        {
            var message = string.Join(Separator, [redis.InstanceId, kind, .. args]);
            redis.Connection.Result.GetSubscriber().Publish(RedisConnection.Channel("events"), message, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            redis.ReportUnavailable("publish " + kind, ex);
        }
    }

    private void Apply(string message)
    {
        var parts = message.Split(Separator);
        if (parts.Length < 2 || parts[0] == redis.InstanceId)
        {
            return;
        }

        switch (parts[1])
        {
            case "config" when parts.Length == 4 && long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var version):
                config.Wake(parts[2], version);
                break;
            case "fleet" when parts.Length == 3:
                fleets.Forget(parts[2]);
                break;
            case "user" when parts.Length == 3 && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var user):
                users.Forget(user);
                break;
            case "keys":
                keys.Forget();
                break;
            default:
                logger.LogDebug("Ignored a scale-out message of kind {Kind}", parts[1]);
                break;
        }
    }

    private void ForgetWhatMayBeStale()
    {
        config.ForgetVersions();
        fleets.ForgetAll();
        keys.Forget();
    }
}
