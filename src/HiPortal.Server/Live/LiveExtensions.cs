using Microsoft.Extensions.Options;

namespace HiPortal.Server.Live;

public static class LiveExtensions
{
    /// <summary>The live hub and the snapshot publisher feeding it (and the dashboard's live tiles).</summary>
    public static IHostApplicationBuilder AddLive(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSignalR();
        builder.Services.AddOptions<LiveOptions>().BindConfiguration(LiveOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<LiveNotifier>();
        // Long enough for the snapshot's window and the alarms' fleet figures, which both add up these sums.
        builder.Services.AddSingleton(s => new LiveAggregates
        {
            Horizon = TimeSpan.FromTicks(Math.Max(s.GetRequiredService<IOptions<LiveOptions>>().Value.Window.Ticks,
                s.GetRequiredService<IOptions<Alarms.AlarmOptions>>().Value.Window.Ticks)),
        });
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
