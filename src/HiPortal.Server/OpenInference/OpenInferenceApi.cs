using System.Buffers;
using HiPortal.Core.Inference;
using HiPortal.Server.Identity;
using HiPortal.Server.Inference;
using HiPortal.Server.Ingest;
using HiPortal.Server.Problems;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.OpenInference;

/// <summary>
/// The large model through the Open Inference Protocol (KServe v2 REST), so standard clients work. Inference goes
/// through the same batching queue as ingest. Errors are <c>{"error": "..."}</c> as the protocol specifies.
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
        group.MapGet("/", (ModelHost model) => Results.Ok(new { name = "hiportal", version = typeof(OpenInferenceApi).Assembly.GetName().Version?.ToString(), extensions = Array.Empty<string>() }));
        group.MapGet("/models/{name}", (string name, ModelHost model) => WithModel(name, model, () => Results.Ok(Metadata(model.Card))));
        group.MapGet("/models/{name}/versions/{version}", (string name, string version, ModelHost model) =>
            WithModel(name, model, () => Results.Ok(Metadata(model.Card)), version));
        group.MapGet("/models/{name}/ready", (string name, ModelHost model) => WithModel(name, model,
            () => model.IsReady ? Results.Ok(new { name, ready = true }) : Results.Json(new { name, ready = false }, statusCode: 503)));
        group.MapPost("/models/{name}/infer", Infer);
        group.MapPost("/models/{name}/versions/{version}/infer", Infer);
        return app;
    }

    private static IResult WithModel(string name, ModelHost model, Func<IResult> then, string? version = null)
    {
        if (!model.IsReady && model.WhenReady.IsFaulted)
        {
            return Error($"model '{name}' failed to load", StatusCodes.Status503ServiceUnavailable);
        }

        if (!model.IsReady)
        {
            return name == model.ModelName ? then() : Error($"unknown model '{name}'", StatusCodes.Status404NotFound);
        }

        if (name != model.Card.Name || (version is not null && version != model.Card.Version))
        {
            return Error($"unknown model '{name}'{(version is null ? "" : $" version '{version}'")}", StatusCodes.Status404NotFound);
        }

        return then();
    }

    private static object Metadata(ModelCard card) => new
    {
        name = card.Name,
        versions = new[] { card.Version },
        platform = "onnxruntime_onnx",
        inputs = new[] { new { name = "input", datatype = "FP32", shape = new[] { -1, 1, OnnxClassifier.InputHeight, OnnxClassifier.InputWidth } } },
        outputs = new[] { new { name = "logits", datatype = "FP32", shape = new[] { -1, OnnxClassifier.ClassCount } } },
    };

    public static async Task<IResult> Infer(HttpContext context, string name, string? version, ModelHost model,
        BatchingQueue queue, IOptions<BatchingOptions> options, TimeProvider time)
    {
        if (!model.IsReady)
        {
            options.Value.AdviseRetry(context.Response);
            return Error("model not ready", StatusCodes.Status503ServiceUnavailable);
        }

        if (name != model.Card.Name || (version is not null && version != model.Card.Version))
        {
            return Error($"unknown model '{name}'", StatusCodes.Status404NotFound);
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
            var parsed = InferRequestParser.Parse(body.AsSpan(0, length));
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

        if (await RateLimiting.RateLimitingExtensions.ChargeAsync(context, samples.Count - 1) is { } refused)
        {
            samples.ForEach(s => ArrayPool<float>.Shared.Return(s));
            return refused;
        }

        var requests = new List<InferenceRequest>(samples.Count);
        foreach (var sample in samples)
        {
            var request = InferenceRequest.Create(sample, time, options.Value.DefaultDeadline);
            if (!queue.TryEnqueue(request))
            {
                request.ReturnInput();
                foreach (var rest in samples.Skip(requests.Count + 1))
                {
                    ArrayPool<float>.Shared.Return(rest);
                }

                options.Value.AdviseRetry(context.Response);
                return Error("the inference queue is full", StatusCodes.Status503ServiceUnavailable);
            }

            requests.Add(request);
        }

        var outcomes = await Task.WhenAll(requests.Select(r => r.Completion));
        var logits = new float[outcomes.Length * OnnxClassifier.ClassCount];
        for (var i = 0; i < outcomes.Length; i++)
        {
            if (outcomes[i].Status != InferenceStatus.Completed)
            {
                options.Value.AdviseRetry(context.Response);
                return Error(outcomes[i].Error ?? "inference failed", StatusCodes.Status503ServiceUnavailable);
            }

            outcomes[i].Result!.Logits.CopyTo(logits, i * OnnxClassifier.ClassCount);
        }

        return Results.Ok(new
        {
            model_name = model.Card.Name,
            model_version = model.Card.Version,
            id,
            outputs = new[]
            {
                new { name = "logits", datatype = "FP32", shape = new[] { outcomes.Length, OnnxClassifier.ClassCount }, data = logits },
                new { name = "probabilities", datatype = "FP32", shape = new[] { outcomes.Length, OnnxClassifier.ClassCount },
                      data = outcomes.SelectMany(o => o.Result!.Probabilities).ToArray() },
            },
        });
    }

    public static IResult Error(string message, int status = StatusCodes.Status400BadRequest) =>
        Results.Json(new { error = message }, statusCode: status);
}
