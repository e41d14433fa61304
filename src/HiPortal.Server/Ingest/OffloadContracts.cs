using System.Text.Json;
using System.Text.Json.Serialization;

namespace HiPortal.Server.Ingest;

/// <summary>What a device posts when its tiny model was not confident enough.</summary>
public sealed class OffloadRequest
{
    public string? SampleId { get; set; }

    public DateTimeOffset? CapturedAt { get; set; }

    public SampleInput? Input { get; set; }

    public LocalDecision? Local { get; set; }

    public int? Label { get; set; }
}

public sealed class SampleInput
{
    public string? Datatype { get; set; }

    public int[]? Shape { get; set; }

    /// <summary>Base64 of the raw sample: 784 bytes (UINT8) or 3136 bytes (FP32, little-endian).</summary>
    public string? Data { get; set; }
}

public sealed class LocalDecision
{
    public int? PredictedClass { get; set; }

    public double? Confidence { get; set; }

    public long? InferenceMicros { get; set; }
}

public sealed record OffloadResponse(
    string SampleId,
    int PredictedClass,
    float Confidence,
    float[] Probabilities,
    bool AgreesWithLocal,
    string Model,
    string ModelVersion,
    int BatchSize,
    long QueueMicros,
    long InferenceMicros,
    bool Replayed,
    long ConfigVersion);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, AllowTrailingCommas = false, UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(OffloadRequest))]
[JsonSerializable(typeof(OffloadResponse))]
public sealed partial class IngestJson : JsonSerializerContext;
