namespace HiPortal.Server.Inference;

public static class InferenceExtensions
{
    /// <summary>The model host, the batching queue and the worker (which hands its batches to Ingest's writer).</summary>
    public static IHostApplicationBuilder AddInference(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<InferenceOptions>().BindConfiguration(InferenceOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<BatchingOptions>().BindConfiguration(BatchingOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<BatchingQueue>();
        builder.Services.AddSingleton<ModelHost>();
        builder.Services.AddHostedService(s => s.GetRequiredService<ModelHost>());
        builder.Services.AddHostedService<InferenceWorker>();
        return builder;
    }
}
