using HiPortal.Server.Ingest;

namespace HiPortal.Server.Inference;

public static class InferenceExtensions
{
    /// <summary>The model host, the batching queue, the worker and the decision writer.</summary>
    public static IHostApplicationBuilder AddInference(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<InferenceOptions>().BindConfiguration(InferenceOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<BatchingOptions>().BindConfiguration(BatchingOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<BatchingQueue>();
        builder.Services.AddSingleton<DecisionStore>();
        builder.Services.AddSingleton<ModelHost>();
        builder.Services.AddHostedService(s => s.GetRequiredService<ModelHost>());
        // Registration order is stop order reversed: the writer stops after the worker has handed it everything.
        builder.Services.AddSingleton<DecisionWriter>();
        builder.Services.AddHostedService(s => s.GetRequiredService<DecisionWriter>());
        builder.Services.AddHostedService<InferenceWorker>();
        return builder;
    }
}
