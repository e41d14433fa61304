using HiPortal.Server.Models;

namespace HiPortal.Server.Inference;

public static class InferenceExtensions
{
    /// <summary>The model repository and the registry of served models, each with its queue and worker (which hand
    /// their batches to Ingest's writer).</summary>
    public static IHostApplicationBuilder AddInference(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<InferenceOptions>().BindConfiguration(InferenceOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<BatchingOptions>().BindConfiguration(BatchingOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<ModelsOptions>().BindConfiguration(ModelsOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ModelRepository>();
        builder.Services.AddSingleton<FleetModelSwitch>();
        builder.Services.AddSingleton<ModelHost>();
        builder.Services.AddHostedService(s => s.GetRequiredService<ModelHost>());
        return builder;
    }
}
