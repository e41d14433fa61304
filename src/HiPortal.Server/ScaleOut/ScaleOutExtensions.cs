using HiPortal.Server.Live;
using HiPortal.Server.RateLimiting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;

namespace HiPortal.Server.ScaleOut;

public static class ScaleOutExtensions
{
    /// <summary>
    /// With <c>ConnectionStrings:Redis</c>: one shared Redis connection and, over it, the SignalR backplane,
    /// cross-instance wake-ups and cache drops, shared rate limits and presence, and the live-snapshot lease.
    /// Without it: nothing (a single instance). Call after <c>AddLive</c>.
    /// </summary>
    public static IHostApplicationBuilder AddScaleOut(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ScaleOutOptions>().BindConfiguration(ScaleOutOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        if (ScaleOutOptions.RedisConnectionString(builder.Configuration) is null)
        {
            return builder;
        }

        builder.Services.AddSingleton<RedisConnection>();
        builder.Services.AddSignalR().AddStackExchangeRedis();
        // The backplane shares the one connection, and with it the deployment's channel prefix.
        builder.Services.AddOptions<RedisOptions>().Configure<RedisConnection>((o, redis) => o.ConnectionFactory = _ => redis.Connection);
        builder.Services.AddSingleton<ISharedRateLimits, SharedRateLimits>();
        builder.Services.AddSingleton<IPublisherLease, SnapshotLease>();
        builder.Services.AddHostedService<ClusterEvents>();
        builder.Services.AddHostedService<PresenceSync>();
        return builder;
    }

    /// <summary>
    /// The Data Protection key ring of the deployment, in Redis under its name, with the deployment name as the
    /// application name: every instance of it reads the others' tokens and cookies, another deployment's it cannot.
    /// Returns where the keys are, for the start-up log.
    /// </summary>
    internal static string UseRedisKeyRing(IHostApplicationBuilder builder, IDataProtectionBuilder dataProtection)
    {
        var deployment = ScaleOutOptions.DeploymentName(builder.Configuration);
        dataProtection.SetApplicationName(deployment);
        builder.Services.AddOptions<KeyManagementOptions>().Configure<RedisConnection>((o, redis) =>
            o.XmlRepository = new RedisXmlRepository(redis.Database, redis.Key("data-protection-keys")));
        return $"Redis (hiportal:{deployment}:data-protection-keys)";
    }
}
