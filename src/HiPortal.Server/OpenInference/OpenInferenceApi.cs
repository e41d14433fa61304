using System.Buffers;
using HiPortal.Core.Inference;
using HiPortal.Server.Identity;
using HiPortal.Server.Inference;
using HiPortal.Server.Ingest;
using HiPortal.Server.Models;
using HiPortal.Server.Problems;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.OpenInference;

/// <summary>
/// Every model in the repository through the Open Inference Protocol (KServe v2 REST), so standard clients work.
/// A model not yet loaded is loaded (and warmed) by its first call. Inference goes through the model's own batching
/// queue, as ingest does. Errors are <c>{"error": "..."}</c> as the protocol specifies.
/// </summary>
public static class OpenInferenceApi
{
    public const int MaxBodyBytes = 16 * 1024 * 1024;
    public const int MaxSamples = 1024;

    public static IEndpointRouteBuilder MapOpenInference(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v2/health/live", () => TypedResults.Ok(new { live = true })).AllowAnonymous().WithTags("OIP");
        app.MapGet("/v2/health/ready", (ModelHost model) => model.IsReady
            ? Results.Ok(new { ready = true })
            : Results.Json(new { ready = false }, statusCode: StatusCodes.Status503ServiceUnavailable)).AllowAnonymous().WithTags("OIP");

        // Every caller spends its own budget (RateLimiting.CallerRateLimiter): one per request, one per sample to infer.
        var group = app.MapGroup(Routes.OpenInference).RequireAuthorization(Policies.Inference).WithTags("OIP")
            .AcceptsBodies<OpenApi.OipInferRequest>("application/json");
        group.MapGet("/", () => Results.Ok(new { name = "hiportal", version = typeof(OpenInferenceApi).Assembly.GetName().Version?.ToString(), extensions = new[] { "model_repository" } }));
        group.MapGet("/models/{name}", (string name, ModelHost model, ModelRepository repository) => MetadataAsync(name, null, model, repository));
        group.MapGet("/models/{name}/versions/{version}", (string name, string version, ModelHost model, ModelRepository repository) =>
            MetadataAsync(name, version, model, repository));
        group.MapGet("/models/{name}/ready", (string name, ModelHost model, ModelRepository repository) => ReadyAsync(name, null, model, repository));
        group.MapGet("/models/{name}/versions/{version}/ready", (string name, string version, ModelHost model, ModelRepository repository) =>
            ReadyAsync(name, version, model, repository));
        group.MapPost("/models/{name}/infer", Infer);
        group.MapPost("/models/{name}/versions/{version}/infer", Infer);
        // Triton's repository extension: every version on disk and whether it is loaded (POST as Triton; GET for browsers).
        group.MapPost("/repository/index", (ModelHost model, ModelRepository repository) => Index(model, repository));
        group.MapGet("/repository/index", (ModelHost model, ModelRepository repository) => Index(model, repository));
        return app;
    }

    private static IResult Index(ModelHost model, ModelRepository repository) => Results.Ok(ModelLayout.Enumerate(repository.Root)
        .Select(m => new { name = m.Name, version = m.Version, state = model.IsLoaded(m.Name, m.Version) ? "READY" : "UNAVAILABLE", reason = "" }));

    /// <summary>The version asked for, or the newest in the repository; null when there is none.</summary>
    internal static string? Resolve(string name, string? version, ModelRepository repository)
    {
        if (!ModelLayout.IsValidName(name) || (version is not null && !ModelLayout.IsValidName(version)))
        {
            return null;
        }

        if (version is not null)
        {
            return repository.Exists(name, version) ? version : null;
        }

        return ModelLayout.Enumerate(repository.Root).Where(m => m.Name == name).Select(m => m.Version)
            .OrderDescending(VersionComparer.Instance).FirstOrDefault();
    }

    private static IResult Unknown(string name, string? version) => Error(UnknownMessage(name, version), StatusCodes.Status404NotFound);

    internal static string UnknownMessage(string name, string? version) =>
        $"unknown model '{name}'{(version is null ? "" : $" version '{version}'")}";

    private static IResult MetadataAsync(string name, string? version, ModelHost model, ModelRepository repository)
    {
        if (!model.IsReady && model.WhenReady.IsFaulted)
        {
            return Error($"model '{name}' failed to load", StatusCodes.Status503ServiceUnavailable);
        }

        if (Resolve(name, version, repository) is not { } v)
        {
            return Unknown(name, version);
        }

        var card = repository.Card(name, v);
        var signature = ModelSignature.Create(card);
        var versions = ModelLayout.Enumerate(repository.Root).Where(m => m.Name == name).Select(m => m.Version).ToArray();
        return Results.Ok(new
        {
            name = card.Name,
            versions,
            platform = "onnxruntime_onnx",
            // The graph's tensor type; requests may also send the card's wire datatype (card.Input.Datatype).
            inputs = new[] { new { name = card.Input.Name, datatype = "FP32", wireDatatype = card.Input.Datatype, shape = card.Input.Shape.Select((d, i) => i == 0 ? -1 : d).ToArray() } },
            outputs = new[] { new { name = card.Output.Name, datatype = "FP32", shape = new long[] { -1, signature.ClassCount } } },
        });
    }

    private static async Task<IResult> ReadyAsync(string name, string? version, ModelHost model, ModelRepository repository)
    {
        if (Resolve(name, version, repository) is not { } v)
        {
            return Unknown(name, version);
        }

        var ready = model.IsReady && model.IsLoaded(name, v);
        if (!ready && model.IsReady)
        {
            // Ready means "an infer call would run now": a registered model loads on demand, so load it.
            ready = await TryLoadAsync(model, name, v) is not null;
        }

        return ready ? Results.Ok(new { name, ready = true }) : Results.Json(new { name, ready = false }, statusCode: 503);
    }

    internal static async Task<ServedModel?> TryLoadAsync(ModelHost model, string name, string version)
    {
        try
        {
            return model.Served.FirstOrDefault(m => m.Name == name && m.Version == version) ?? await model.LoadAsync(name, version);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or ModelCardException or ObjectDisposedException)
        {
            return null;
        }
    }

    public static async Task<IResult> Infer(HttpContext context, string name, string? version, ModelHost model, ModelRepository repository,
        IOptions<BatchingOptions> options, TimeProvider time, Observability.HiPortalMetrics metrics)
    {
        var (served, status, message) = await ServedForAsync(name, version, model, repository);
        if (served is null)
        {
            if (status == StatusCodes.Status503ServiceUnavailable)
            {
                options.Value.AdviseRetry(context.Response);
            }

            return Error(message!, status);
        }

        var (body, length) = await RequestBody.ReadAsync(context, MaxBodyBytes);
        if (body is null)
        {
            return Error($"request body larger than {MaxBodyBytes} bytes", StatusCodes.Status413PayloadTooLarge);
        }

        List<float[]> samples;
        string? id;
        try
        {
            var parsed = InferRequestParser.Parse(body.AsSpan(0, length), served.Decoder, served.Inputs);
            if (parsed.Error is not null)
            {
                return Error(parsed.Error);
            }

            samples = parsed.Samples!;
            id = parsed.Id;
        }
        finally
        {
            RequestBody.Return(body);
        }

        if (await RateLimiting.RateLimitingExtensions.ChargeSamplesAsync(context, samples.Count, "inputs") is { } refused)
        {
            samples.ForEach(s => served.Inputs.Return(s));
            return refused;
        }

        var run = await OpenInferenceRun.RunAsync(served, samples, options.Value.DefaultDeadline, time, metrics);
        if (run.Error is { } busy)
        {
            options.Value.AdviseRetry(context.Response);
            return Error(busy, StatusCodes.Status503ServiceUnavailable);
        }

        return Results.Ok(new
        {
            model_name = served.Name,
            model_version = served.Version,
            id,
            outputs = new[]
            {
                new { name = served.Signature.OutputName, datatype = "FP32", shape = new[] { run.Count, served.Signature.ClassCount }, data = run.Logits },
                new { name = OpenInferenceRun.ProbabilitiesOutput, datatype = "FP32", shape = new[] { run.Count, served.Signature.ClassCount },
                      data = run.Probabilities },
            },
        });
    }

    /// <summary>
    /// The model an inference call names, loaded: null with a 404 (unknown name or version) or a 503 (not ready, or it
    /// cannot be loaded) and why, as REST and gRPC both answer.
    /// </summary>
    internal static async Task<(ServedModel? Served, int Status, string? Error)> ServedForAsync(string name, string? version,
        ModelHost model, ModelRepository repository)
    {
        if (!model.IsReady)
        {
            return (null, StatusCodes.Status503ServiceUnavailable, "model not ready");
        }

        if (Resolve(name, version, repository) is not { } resolved)
        {
            return (null, StatusCodes.Status404NotFound, UnknownMessage(name, version));
        }

        return await TryLoadAsync(model, name, resolved) is { } served
            ? (served, StatusCodes.Status200OK, null)
            : (null, StatusCodes.Status503ServiceUnavailable, $"model '{name}' version '{resolved}' could not be loaded");
    }

    public static IResult Error(string message, int status = StatusCodes.Status400BadRequest) =>
        Results.Json(new { error = message }, statusCode: status);
}
