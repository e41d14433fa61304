namespace HiPortal.Contracts;

/// <summary>What a device posts (JSON form) when its tiny model was not confident enough.</summary>
/// <remarks>Every field is nullable so the server can tell a missing field from a zero and name it.</remarks>
public sealed record OffloadRequest
{
    public string? SampleId { get; init; }

    public DateTimeOffset? CapturedAt { get; init; }

    public SampleInput? Input { get; init; }

    public LocalDecision? Local { get; init; }

    public int? Label { get; init; }

    /// <summary>True for an exploration offload: the device's rule would have kept the sample (fleet setting ε).</summary>
    public bool? Exploration { get; init; }
}

/// <summary>The raw sample: a datatype the model card accepts, its shape, and base64 of its little-endian bytes.</summary>
public sealed record SampleInput
{
    public string? Datatype { get; init; }

    public int[]? Shape { get; init; }

    public string? Data { get; init; }
}

/// <summary>What the tiny model on the device decided.</summary>
public sealed record LocalDecision
{
    public int? PredictedClass { get; init; }

    public double? Confidence { get; init; }

    public long? InferenceMicros { get; init; }
}

/// <summary>The large model's answer for an offloaded sample, as the server stored it.</summary>
/// <param name="SampleId">The id the device sent.</param>
/// <param name="PredictedClass">The large model's class.</param>
/// <param name="Confidence">Its top probability.</param>
/// <param name="Probabilities">Its class probabilities.</param>
/// <param name="AgreesWithLocal">True when it matches the tiny model's class.</param>
/// <param name="Model">The server model's name.</param>
/// <param name="ModelVersion">The server model's version.</param>
/// <param name="BatchSize">How many samples the server ran together.</param>
/// <param name="QueueMicros">Time the sample waited in the server's queue.</param>
/// <param name="InferenceMicros">Time of the server's batch inference.</param>
/// <param name="Replayed">True when the server had stored this sample before (a retry) and answered from storage.</param>
/// <param name="ConfigVersion">The device's desired configuration version at the server.</param>
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
