namespace HiPortal.Server.Live;

public static class LiveExtensions
{
    /// <summary>The live hub and the snapshot publisher feeding it (and the dashboard's live tiles).</summary>
    public static IHostApplicationBuilder AddLive(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSignalR();
        builder.Services.AddOptions<LiveOptions>().BindConfiguration(LiveOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<LiveNotifier>();
        builder.Services.AddSingleton<LiveAggregates>();
        builder.Services.AddSingleton<SnapshotPublisher>();
        builder.Services.AddHostedService(s => s.GetRequiredService<SnapshotPublisher>());
        return builder;
    }

    public static IEndpointRouteBuilder MapLive(this IEndpointRouteBuilder app)
    {
        app.MapHub<LiveHub>(LiveHub.Path);
        return app;
    }
}
