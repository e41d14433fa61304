using System.Runtime.InteropServices;
using HiPortal.Server.Inference;

namespace HiPortal.Server.Ingest;

/// <summary>An ingest request's decision on its way to the database: filled in by the worker, stored by the writer.</summary>
public sealed class PendingDecision
{
    public required string DeviceId { get; init; }

    public required string Fleet { get; init; }

    public required string SampleId { get; init; }

    public required string PayloadHash { get; init; }

    public long ReceivedAtMs { get; init; }

    public long? CapturedAtMs { get; init; }

    public int LocalClass { get; init; }

    public double LocalConfidence { get; init; }

    public long? LocalInferenceMicros { get; init; }

    public int? Label { get; init; }

    public int InputBytes { get; init; }

    public bool Exploration { get; init; }

    public InferenceResult? Result { get; private set; }

    public string ModelName { get; private set; } = "";

    public string ModelVersion { get; private set; } = "";

    /// <summary>The answer and the model version that gave it (which, across a hot swap, may not be the routed one).</summary>
    public void Resolve(InferenceResult result, string modelName, string modelVersion)
    {
        Result = result;
        ModelName = modelName;
        ModelVersion = modelVersion;
    }

    public static byte[] ProbabilityBytes(float[] probabilities) => MemoryMarshal.AsBytes(probabilities.AsSpan()).ToArray();

    public static float[] ProbabilitiesFrom(byte[] bytes) => MemoryMarshal.Cast<byte, float>(bytes).ToArray();
}
