using HiPortal.Server.Devices;
using HiPortal.Server.Inference;
using HiPortal.Server.Ingest;
using HiPortal.Server.Presence;
using HiPortal.Server.Problems;
using HiPortal.Server.RemoteConfig;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Telemetry;

/// <summary><c>POST /api/v1/telemetry</c>: a device's periodic counters, the measured side of the savings.</summary>
public static class TelemetryApi
{
    public const int MaxBodyBytes = 64 * 1024;

    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<TelemetryWriter>();
        builder.Services.AddHostedService(s => s.GetRequiredService<TelemetryWriter>());
        return builder;
    }

    public static IEndpointRouteBuilder MapTelemetryApi(this IEndpointRouteBuilder app)
    {
        app.MapDeviceGroup(Routes.Telemetry).WithTags("Telemetry").MapPost("/", PostTelemetry).Accepts<TelemetryBatch>("application/json");
        return app;
    }

    public static async Task<Results<Ok<TelemetryResponse>, ProblemHttpResult>> PostTelemetry(
        HttpContext context, TelemetryWriter writer, ConfigService config, DevicePresence presence, TimeProvider time,
        IOptions<BatchingOptions> batching)
    {
        var device = DeviceIdentity.From(context.User)!;
        presence.Seen(device);
        var (body, length) = await RequestBody.ReadAsync(context, MaxBodyBytes);
        if (body is null)
        {
            return ProblemResults.Status(StatusCodes.Status413PayloadTooLarge, "The request body is too large.",
                $"at most {MaxBodyBytes} bytes", "body");
        }

        FieldError? error;
        IReadOnlyList<TelemetryPeriod>? reports;
        try
        {
            error = TelemetryValidation.Parse(body.AsSpan(0, length), time.GetUtcNow(), out reports);
        }
        finally
        {
            RequestBody.Return(body);
        }

        if (error is not null)
        {
            return ProblemResults.Validation(error.Field, error.Message);
        }

        var cancellationToken = context.RequestAborted;
        var outcome = await writer.StoreAsync(device.DeviceId, reports!, cancellationToken);
        switch (outcome.Status)
        {
            case TelemetryStatus.DeviceGone:
                return ProblemResults.Status(StatusCodes.Status404NotFound, "The device does not exist.", "it was deleted");
            case TelemetryStatus.Busy:
                return IngestApi.Unavailable(context, batching.Value, "the telemetry queue is full");
            case TelemetryStatus.Failed:
                return IngestApi.Unavailable(context, batching.Value, "the reports could not be stored");
        }

        var version = await config.GetVersionAsync(device.DeviceId, cancellationToken);
        return TypedResults.Ok(new TelemetryResponse(outcome.Accepted, outcome.Duplicates, outcome.Gaps, outcome.LastSequence, version));
    }
}
