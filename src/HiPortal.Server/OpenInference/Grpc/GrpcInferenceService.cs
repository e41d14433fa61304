using Grpc.Core;
using HiPortal.Core.Inference;
using HiPortal.Server.Identity;
using HiPortal.Server.Inference;
using HiPortal.Server.Models;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.OpenInference.Grpc;

/// <summary>
/// The Open Inference Protocol over gRPC (KServe v2 <c>inference.GRPCInferenceService</c>) on the server's own
/// endpoints (HTTP/2: HTTPS negotiates it by ALPN). It is the REST protocol's twin: the same credentials (a device key
/// or a session token as <c>authorization: Bearer</c> metadata), the same model resolution and loading, the same
/// parser rules, the same per-sample rate limit and the same batching queues; errors are status codes whose message
/// names the field.
/// </summary>
[Authorize(Policy = Policies.Inference)]
public sealed class GrpcInferenceService(ModelHost model, ModelRepository repository, IOptions<BatchingOptions> options, TimeProvider time,
    Observability.HiPortalMetrics metrics)
    : GRPCInferenceService.GRPCInferenceServiceBase
{
    [AllowAnonymous]
    public override Task<ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerLiveResponse { Live = true });

    [AllowAnonymous]
    public override Task<ServerReadyResponse> ServerReady(ServerReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerReadyResponse { Ready = model.IsReady });

    public override Task<ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerMetadataResponse
        {
            Name = "hiportal",
            Version = typeof(GrpcInferenceService).Assembly.GetName().Version?.ToString() ?? "",
            Extensions = { "model_repository" },
        });

    public override async Task<ModelReadyResponse> ModelReady(ModelReadyRequest request, ServerCallContext context)
    {
        var (served, status, _) = await OpenInferenceApi.ServedForAsync(Required(request.Name, "name"), Optional(request.Version), model, repository);
        if (status == StatusCodes.Status404NotFound)
        {
            throw Fail(StatusCode.NotFound, OpenInferenceApi.UnknownMessage(request.Name, Optional(request.Version)));
        }

        return new ModelReadyResponse { Ready = served is not null };
    }

    public override Task<ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request, ServerCallContext context)
    {
        var name = Required(request.Name, "name");
        if (OpenInferenceApi.Resolve(name, Optional(request.Version), repository) is not { } version)
        {
            throw Fail(StatusCode.NotFound, OpenInferenceApi.UnknownMessage(name, Optional(request.Version)));
        }

        var card = repository.Card(name, version);
        var classes = ModelSignature.Create(card).ClassCount;
        var response = new ModelMetadataResponse { Name = card.Name, Platform = "onnxruntime_onnx" };
        response.Versions.AddRange(ModelLayout.Enumerate(repository.Root).Where(m => m.Name == name).Select(m => m.Version));
        response.Inputs.Add(Tensor(card.Input.Name, card.Input.Shape.Select((d, i) => i == 0 ? -1L : d)));
        response.Outputs.Add(Tensor(card.Output.Name, [-1, classes]));
        response.Outputs.Add(Tensor(OpenInferenceRun.ProbabilitiesOutput, [-1, classes]));
        return Task.FromResult(response);
    }

    public override async Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context)
    {
        var (served, status, message) = await OpenInferenceApi.ServedForAsync(Required(request.ModelName, "model_name"),
            Optional(request.ModelVersion), model, repository);
        if (served is null)
        {
            throw Fail(status == StatusCodes.Status404NotFound ? StatusCode.NotFound : StatusCode.Unavailable, message!);
        }

        var parsed = GrpcInferParser.Parse(request, served.Decoder, served.Inputs);
        if (parsed.Error is { } error)
        {
            throw Fail(StatusCode.InvalidArgument, error);
        }

        var samples = parsed.Samples!;
        if (await RateLimiting.RateLimitingExtensions.ChargeSamplesAsync(context.GetHttpContext(), samples.Count, "inputs") is { } refused)
        {
            samples.ForEach(s => served.Inputs.Return(s));
            throw refused.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? Fail(StatusCode.InvalidArgument, refused.ProblemDetails.Detail!)
                : Fail(StatusCode.ResourceExhausted, "this caller's rate limit is spent (counted in samples); retry shortly");
        }

        var run = await OpenInferenceRun.RunAsync(served, samples, Deadline(context), time, metrics);
        if (run.Error is { } busy)
        {
            throw Fail(StatusCode.Unavailable, busy);
        }

        var shape = new long[] { run.Count, served.Signature.ClassCount };
        return new ModelInferResponse
        {
            ModelName = served.Name,
            ModelVersion = served.Version,
            Id = parsed.Id ?? "",
            Outputs =
            {
                Output(served.Signature.OutputName, shape, run.Logits),
                Output(OpenInferenceRun.ProbabilitiesOutput, shape, run.Probabilities),
            },
        };
    }

    /// <summary>The server's deadline, shortened to the call's own when the client set one.</summary>
    private TimeSpan Deadline(ServerCallContext context)
    {
        var server = options.Value.DefaultDeadline;
        if (context.Deadline == DateTime.MaxValue)
        {
            return server;
        }

        var left = context.Deadline - time.GetUtcNow().UtcDateTime;
        return left < server ? (left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1)) : server;
    }

    private static string Required(string value, string field) =>
        value.Length > 0 ? value : throw Fail(StatusCode.InvalidArgument, $"{field} is required");

    /// <summary>Proto3 strings cannot be absent: empty means "not given".</summary>
    private static string? Optional(string value) => value.Length == 0 ? null : value;

    private static RpcException Fail(StatusCode code, string message) => new(new Status(code, message));

    private static ModelMetadataResponse.Types.TensorMetadata Tensor(string name, IEnumerable<long> shape) =>
        new() { Name = name, Datatype = "FP32", Shape = { shape } };

    private static ModelInferResponse.Types.InferOutputTensor Output(string name, long[] shape, float[] data) => new()
    {
        Name = name,
        Datatype = "FP32",
        Shape = { shape },
        Contents = new InferTensorContents { Fp32Contents = { data } },
    };
}
