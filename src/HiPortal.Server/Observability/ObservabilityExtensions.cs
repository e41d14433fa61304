using HiPortal.Server.Inference;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;

namespace HiPortal.Server.Observability;

public static class ObservabilityExtensions
{
    public static IHostApplicationBuilder AddObservability(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<HiPortalMetrics>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(HiPortalMetrics.MeterName)
            // The runtime's own meter (JIT, GC, thread pool, process CPU): the bench reads JIT time from it to tell a
            // warm server from one still compiling.
            .AddMeter("System.Runtime")
            .AddAspNetCoreInstrumentation()
            .AddPrometheusExporter());
        builder.Services.AddHealthChecks().AddCheck<ModelReadyCheck>("model", tags: ["ready"]);
        return builder;
    }

    /// <summary>/health/live (the process answers), /health/ready (model loaded and warm), /metrics (Prometheus).</summary>
    public static IEndpointRouteBuilder MapObservability(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new() { Predicate = check => check.Tags.Contains("ready") });
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}

public sealed class ModelReadyCheck(ModelHost model) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(model.IsReady
            ? HealthCheckResult.Healthy("model loaded and warm")
            : model.WhenReady.IsFaulted
                ? HealthCheckResult.Unhealthy("model failed to load", model.WhenReady.Exception)
                : HealthCheckResult.Unhealthy("model loading"));
}
