namespace HiPortal.Server.RemoteConfig;

public static class RemoteConfigExtensions
{
    /// <summary>Device twins: desired configuration, its changes and the long-poll notifier.</summary>
    public static IHostApplicationBuilder AddRemoteConfig(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ConfigNotifier>();
        builder.Services.AddSingleton<ConfigService>();
        return builder;
    }
}
