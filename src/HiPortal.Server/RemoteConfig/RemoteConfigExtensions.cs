using HiPortal.Server.Advice;
using HiPortal.Server.Fleets;
using HiPortal.Server.Presence;

namespace HiPortal.Server.RemoteConfig;

public static class RemoteConfigExtensions
{
    /// <summary>Fleets, device twins (desired/reported), presence, per-device rate limits and threshold advice.</summary>
    public static IHostApplicationBuilder AddFleetManagement(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PresenceOptions>().BindConfiguration(PresenceOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<AutoThresholdOptions>().BindConfiguration(AutoThresholdOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ConfigNotifier>();
        builder.Services.AddSingleton<ConfigService>();
        builder.Services.AddSingleton<FleetSettingsCache>();
        builder.Services.AddSingleton<DevicePresence>();
        builder.Services.AddSingleton<PresenceFlusher>();
        builder.Services.AddHostedService(s => s.GetRequiredService<PresenceFlusher>());
        builder.Services.AddSingleton<ThresholdAdvisor>();
        builder.Services.AddSingleton<AutoThresholdService>();
        builder.Services.AddHostedService(s => s.GetRequiredService<AutoThresholdService>());
        return builder;
    }
}
