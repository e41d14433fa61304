using System.Globalization;
using HiPortal.Server.Devices;
using HiPortal.Server.Inference;
using HiPortal.Server.Observability;
using HiPortal.Server.Presence;
using HiPortal.Server.Problems;
using HiPortal.Server.RemoteConfig;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Ingest;

/// <summary>What an offload needs, bound from DI as one handler parameter (eShop's <c>CatalogServices</c>).</summary>
public sealed record IngestServices(DecisionStore Store, ModelHost Model, IOptions<BatchingOptions> Options,
    TimeProvider Time, HiPortalMetrics Metrics, DevicePresence Presence, ConfigService Configs);

/// <summary><c>POST /api/v1/offloads</c>: a device's unsure sample in, the large model's stored answer out.</summary>
public static class IngestApi
{
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>
    /// The decision store and writer. Call before <c>AddInference</c>: hosted services stop in reverse registration
    /// order, and the writer must stop after the worker has handed it everything.
    /// </summary>
    public static IHostApplicationBuilder AddIngest(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<DecisionStore>();
        if (Persistence.DatabaseOptions.From(builder.Configuration).Provider == Persistence.DatabaseProvider.Postgres)
        {
            builder.Services.AddSingleton<IDecisionBatchStore, PostgresDecisionBatchStore>();
        }
        else
        {
            builder.Services.AddSingleton<IDecisionBatchStore, SqliteDecisionBatchStore>();
        }

        builder.Services.AddSingleton<DeviceHistory>();
        builder.Services.AddHostedService<DeviceHistoryIndexer>();
        builder.Services.AddSingleton<DecisionWriter>();
        builder.Services.AddHostedService(s => s.GetRequiredService<DecisionWriter>());
        return builder;
    }

    public static IEndpointRouteBuilder MapIngestApi(this IEndpointRouteBuilder app)
    {
        // Every service an offload needs is a singleton: resolved once here, not from each request's scope.
        var provider = app.ServiceProvider;
        var services = new IngestServices(provider.GetRequiredService<DecisionStore>(), provider.GetRequiredService<ModelHost>(),
            provider.GetRequiredService<IOptions<BatchingOptions>>(), provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<HiPortalMetrics>(), provider.GetRequiredService<DevicePresence>(),
            provider.GetRequiredService<ConfigService>());
        app.MapDeviceGroup(Routes.Offloads).WithTags("Ingest").MapPost("/", (Func<HttpContext, Task<IResult>>)(context => PostOffload(context, services)))
            .Accepts<OffloadRequest>("application/json", "application/octet-stream").Produces<OffloadResponse>();
        return app;
    }

    public static async Task<IResult> PostOffload(HttpContext context, [AsParameters] IngestServices services)
    {
        var started = services.Time.GetTimestamp();
        var device = DeviceIdentity.From(context.User)!;
        services.Presence.Seen(device);
        // Every answer carries the device's configuration version, so a device learns of a change without polling.
        var version = await services.Configs.GetVersionAsync(device.DeviceId, context.RequestAborted);
        var result = await Handle(context, device, services, version, started);
        services.Metrics.EndToEnd((long)services.Time.GetElapsedTime(started).TotalMicroseconds);
        return result;
    }

    private static async ValueTask<IResult> Handle(HttpContext context, DeviceIdentity device, IngestServices services, long configVersion,
        long started)
    {
        var (store, model, time, metrics) = (services.Store, services.Model, services.Time, services.Metrics);
        var options = services.Options.Value;
        var (body, length) = await RequestBody.ReadAsync(context, MaxBodyBytes);
        if (body is null)
        {
            metrics.Request("rejected", "too_large");
            return ProblemResults.Status(StatusCodes.Status413PayloadTooLarge, "The request body is too large.",
                $"at most {MaxBodyBytes} bytes", "body");
        }

        // The fleet's large model decides the wire format: its decoder, its class count.
        var served = await ServedForAsync(model, device.Fleet, context.RequestAborted);
        if (served is null)
        {
            RequestBody.Return(body);
            metrics.Request("overloaded", "not_ready");
            return Unavailable(context, options, model.WhenReady.IsFaulted ? "the model failed to load" : "the model is still loading");
        }

        var input = served.RentInput();
        FieldError? error;
        ParsedOffload? offload;
        try
        {
            error = IsBinary(context.Request.ContentType)
                ? OffloadParser.ParseBinary(body.AsSpan(0, length), context.Request.Headers, served.Decoder, input, out offload)
                : OffloadParser.ParseJson(body.AsSpan(0, length), served.Decoder, input, out offload);
        }
        finally
        {
            RequestBody.Return(body);
        }

        var deadlineError = ReadDeadline(context, options.DefaultDeadline, out var deadline);
        error ??= deadlineError;
        if (error is not null)
        {
            served.Inputs.Return(input);
            metrics.Request("rejected", "invalid");
            return ProblemResults.Validation(error.Field, error.Message);
        }

        var pending = OffloadAnswer.Pending(device, offload!, time);
        var request = InferenceRequest.Create(input, time, deadline, pending, receivedAt: started, inputPool: served.Inputs);
        var (enqueued, _) = await model.EnqueueAsync(device.Fleet, served, request, context.RequestAborted);
        if (enqueued != EnqueueResult.Accepted)
        {
            request.ReturnInput();
            return OffloadAnswer.NotQueued(enqueued, metrics).ToResult(context, options);
        }

        var outcome = await request.Completion;
        metrics.DeadlineLateness(request, outcome);

        return (await OffloadAnswer.FromOutcomeAsync(outcome, offload!, pending, store, metrics, configVersion)).ToResult(context, options);
    }

    /// <summary>The fleet's large model once the host is ready; null while not ready or when it cannot load.</summary>
    internal static async ValueTask<ServedModel?> ServedForAsync(ModelHost model, string fleet, CancellationToken cancellationToken)
    {
        if (!model.IsReady)
        {
            return null;
        }

        try
        {
            return await model.LargeForAsync(fleet, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or Core.Inference.ModelCardException or InvalidOperationException)
        {
            return null;
        }
    }

    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Unavailable(HttpContext context, BatchingOptions options, string detail)
    {
        options.AdviseRetry(context.Response);
        return ProblemResults.Status(StatusCodes.Status503ServiceUnavailable, "The server is busy; retry later.", detail);
    }

    internal static FieldError? ReadDeadline(HttpContext context, TimeSpan defaultDeadline, out TimeSpan deadline)
    {
        deadline = defaultDeadline;
        var text = context.Request.Headers[WireHeaders.Deadline].ToString();
        if (text.Length == 0)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) || ms <= 0)
        {
            return new FieldError(WireHeaders.Deadline, $"must be a whole number of milliseconds from 1 to {int.MaxValue} (the server's own deadline caps it)");
        }

        // A client may only shorten the server's deadline, never extend it.
        deadline = TimeSpan.FromMilliseconds(Math.Min(ms, defaultDeadline.TotalMilliseconds));
        return null;
    }

    internal static bool IsBinary(string? contentType) =>
        contentType is not null && contentType.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase);
}
