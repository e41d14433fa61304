using System.Text.Json.Serialization;

namespace HiPortal.Server.OpenApi;

// The Open Inference Protocol (KServe v2) bodies, for the document: the handlers read and write them with their own
// parser (OpenInference/), and these records only describe the wire shape that parser takes.

/// <summary>A KServe v2 inference request.</summary>
public sealed record OipInferRequest(string? Id, IReadOnlyList<OipTensor> Inputs);

/// <summary>A KServe v2 inference response: the logits and the probabilities.</summary>
public sealed record OipInferResponse([property: JsonPropertyName("model_name")] string ModelName,
    [property: JsonPropertyName("model_version")] string ModelVersion, string? Id, IReadOnlyList<OipTensor> Outputs);

/// <summary>A tensor: the model card's datatype or FP32, shape [N, …one sample] in any shape the model accepts, data flat in row-major order.</summary>
public sealed record OipTensor(string Name, string Datatype, IReadOnlyList<int> Shape, IReadOnlyList<double> Data);
