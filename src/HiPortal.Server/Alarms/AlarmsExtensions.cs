namespace HiPortal.Server.Alarms;

public static class AlarmsExtensions
{
    /// <summary>Alarms: the store and raiser, the evaluator, the per-fleet drift detector and the webhook.</summary>
    public static IHostApplicationBuilder AddAlarms(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AlarmOptions>().BindConfiguration(AlarmOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.AgreementClearAbove >= o.AgreementRaiseBelow, "Alarms:AgreementClearAbove must be at least Alarms:AgreementRaiseBelow")
            .Validate(o => o.OffloadRateLow + (2 * o.OffloadRateMargin) <= o.OffloadRateHigh,
                "Alarms:OffloadRateLow + 2 × Alarms:OffloadRateMargin must not exceed Alarms:OffloadRateHigh")
            .ValidateOnStart();
        builder.Services.AddOptions<DriftOptions>().BindConfiguration(DriftOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateDataAnnotations()
            .Validate(o => string.IsNullOrEmpty(o.Url) || !string.IsNullOrEmpty(o.Secret), "Alarms:Webhook:Secret is required with Alarms:Webhook:Url")
            .ValidateOnStart();
        builder.Services.AddSingleton<AlarmWebhook>();
        builder.Services.AddHostedService(s => s.GetRequiredService<AlarmWebhook>());
        builder.Services.AddSingleton<AlarmNotifier>();
        builder.Services.AddSingleton<AlarmService>();
        builder.Services.AddSingleton<IAlarmRaiser>(s => s.GetRequiredService<AlarmService>());
        builder.Services.AddSingleton<AlarmQueries>();
        builder.Services.AddSingleton<FleetDrift>();
        builder.Services.AddSingleton<AlarmEvaluator>();
        builder.Services.AddHostedService(s => s.GetRequiredService<AlarmEvaluator>());
        builder.Services.AddHostedService<ClosedLoopHooks>();
        return builder;
    }
}
