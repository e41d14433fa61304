using HiPortal.Server.Devices;
using HiPortal.Server.Inference;
using HiPortal.Server.Problems;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Ingest;

/// <summary>
/// <c>POST /api/v1/offloads/batch</c>: many offloads in one request, for gateways fronting many sensors. Each item is
/// validated, stored and answered exactly as the single route would (its own sampleId, replay and conflict), and all
/// are queued before any is awaited so they can share the model's batches. One bad item fails only itself; an item the
/// queue would not take is answered 503 on its own (the response then carries Retry-After) while every accepted one is
/// still run, stored and answered.
/// </summary>
public static class BatchIngestApi
{
    public static IHostApplicationBuilder AddBatchIngest(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<OffloadBatchOptions>().BindConfiguration(OffloadBatchOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        return builder;
    }

    public static IEndpointRouteBuilder MapBatchIngestApi(this IEndpointRouteBuilder app)
    {
        app.MapDeviceGroup(Routes.OffloadsBatch).WithTags("Ingest").MapPost("/", PostBatch)
            .Accepts<OffloadBatchRequest>("application/json", WireHeaders.BinaryContentType).Produces<OffloadBatchResponse>();
        return app;
    }

    public static async Task<IResult> PostBatch(HttpContext context, [AsParameters] IngestServices services, IOptions<OffloadBatchOptions> limits)
    {
        var started = services.Time.GetTimestamp();
        var device = DeviceIdentity.From(context.User)!;
        services.Presence.Seen(device);
        var version = await services.Configs.GetVersionAsync(device.DeviceId, context.RequestAborted);
        var result = await HandleAsync(context, device, services, limits.Value, version, started);
        services.Metrics.EndToEnd((long)services.Time.GetElapsedTime(started).TotalMicroseconds);
        return result;
    }

    private static async Task<IResult> HandleAsync(HttpContext context, DeviceIdentity device, IngestServices services,
        OffloadBatchOptions limits, long configVersion, long started)
    {
        var options = services.Options.Value;
        var (body, length) = await RequestBody.ReadAsync(context, limits.MaxBodyBytes);
        if (body is null)
        {
            services.Metrics.Request("rejected", "too_large");
            return ProblemResults.Status(StatusCodes.Status413PayloadTooLarge, "The request body is too large.",
                $"at most {limits.MaxBodyBytes} bytes", "body");
        }

        try
        {
            var binary = IngestApi.IsBinary(context.Request.ContentType);
            var memory = body.AsMemory(0, length);
            var envelope = binary
                ? OffloadBatchParser.SplitBinary(memory, limits.MaxItems, out var items)
                : OffloadBatchParser.SplitJson(memory, limits.MaxItems, out items);
            var deadlineError = IngestApi.ReadDeadline(context, options.DefaultDeadline, out var deadline);
            envelope ??= deadlineError;
            if (envelope is not null)
            {
                services.Metrics.Request("rejected", "invalid");
                return OffloadBatchParser.IsTooMany(envelope)
                    ? ProblemResults.Status(StatusCodes.Status413PayloadTooLarge, "Too many offloads in one batch.", envelope.Message, envelope.Field)
                    : ProblemResults.Validation(envelope.Field, envelope.Message);
            }

            // The middleware charged this request one token; every further item is a sample to infer as well.
            if (await RateLimiting.RateLimitingExtensions.ChargeSamplesAsync(context, items.Count, "items") is { } refused)
            {
                return refused;
            }

            var served = await IngestApi.ServedForAsync(services.Model, device.Fleet, context.RequestAborted);
            if (served is null)
            {
                services.Metrics.Request("overloaded", "not_ready");
                return IngestApi.Unavailable(context, options,
                    services.Model.WhenReady.IsFaulted ? "the model failed to load" : "the model is still loading");
            }

            var queued = await EnqueueAllAsync(context, device, services, served, binary, items, deadline, started);
            var answers = await AnswerAllAsync(services, queued, configVersion);
            if (answers.Any(a => a.Status == StatusCodes.Status503ServiceUnavailable))
            {
                options.AdviseRetry(context.Response);
            }

            var succeeded = answers.Count(a => a.Result is not null);
            return new BufferedJsonResult<OffloadBatchResponse>(new OffloadBatchResponse(answers, succeeded, answers.Length - succeeded, configVersion),
                ContractsJson.Default.OffloadBatchResponse);
        }
        finally
        {
            RequestBody.Return(body);
        }
    }

    /// <summary>An item on its way: queued (its request and what to answer with), or already answered.</summary>
    private readonly record struct Queued(int Index, string? SampleId, InferenceRequest? Request, ParsedOffload? Offload,
        PendingDecision? Pending, OffloadAnswer? Answer);

    private static async Task<Queued[]> EnqueueAllAsync(HttpContext context, DeviceIdentity device, IngestServices services,
        ServedModel served, bool binary, List<BatchItem> items, TimeSpan deadline, long started)
    {
        var queued = new Queued[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var input = served.RentInput();
            ParsedOffload? offload = null;
            var error = item.Error ?? (binary
                ? OffloadParser.ParseBinary(item.Body.Span, item.Headers!, served.Decoder, input, out offload)
                : OffloadParser.ParseJson(item.Body.Span, served.Decoder, input, out offload));
            if (error is not null)
            {
                served.Inputs.Return(input);
                services.Metrics.Request("rejected", "invalid");
                queued[i] = new(i, item.SampleId, null, null, null, OffloadAnswer.Invalid(error));
                continue;
            }

            var pending = OffloadAnswer.Pending(device, offload!, services.Time);
            var request = InferenceRequest.Create(input, services.Time, deadline, pending, receivedAt: started, inputPool: served.Inputs);
            var (enqueued, _) = await services.Model.EnqueueAsync(device.Fleet, served, request, context.RequestAborted);
            if (enqueued != EnqueueResult.Accepted)
            {
                request.ReturnInput();
                queued[i] = new(i, offload!.SampleId, null, null, null, OffloadAnswer.NotQueued(enqueued, services.Metrics));
                continue;
            }

            queued[i] = new(i, offload!.SampleId, request, offload, pending, null);
        }

        return queued;
    }

    /// <summary>
    /// Awaits every queued item whatever the client does meanwhile: an accepted item is run and stored by the worker
    /// and the writer either way, so its answer is always known here.
    /// </summary>
    private static async Task<OffloadBatchItem[]> AnswerAllAsync(IngestServices services, Queued[] queued, long configVersion)
    {
        var answers = new OffloadBatchItem[queued.Length];
        for (var i = 0; i < queued.Length; i++)
        {
            var q = queued[i];
            var answer = q.Answer;
            if (answer is null)
            {
                var outcome = await q.Request!.Completion;
                services.Metrics.DeadlineLateness(q.Request, outcome);
                answer = await OffloadAnswer.FromOutcomeAsync(outcome, q.Offload!, q.Pending!, services.Store, services.Metrics, configVersion);
            }

            answers[i] = answer.Response is { } response
                ? new OffloadBatchItem(i, q.SampleId, answer.Status, response)
                : new OffloadBatchItem(i, q.SampleId, answer.Status, Error: ItemProblem(i, answer));
        }

        return answers;
    }

    private static Problem ItemProblem(int index, OffloadAnswer answer) => new(
        Type: $"https://www.rfc-editor.org/rfc/rfc9110#status.{answer.Status}",
        Title: answer.Title,
        Status: answer.Status,
        Detail: answer.Field is null ? $"items[{index}]: {answer.Detail}" : $"items[{index}].{answer.Field}: {answer.Detail}",
        Field: answer.Field,
        Errors: answer.Field is null ? null : new Dictionary<string, string[]> { [answer.Field] = [answer.Detail!] });
}
