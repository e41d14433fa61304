namespace HiPortal.Server.Presence;

public static class PresenceExtensions
{
    /// <summary>Last-seen times in memory, written to the database in batches.</summary>
    public static IHostApplicationBuilder AddPresence(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PresenceOptions>().BindConfiguration(PresenceOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<DevicePresence>();
        builder.Services.AddSingleton<PresenceFlusher>();
        builder.Services.AddHostedService(s => s.GetRequiredService<PresenceFlusher>());
        return builder;
    }
}
