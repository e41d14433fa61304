using HiPortal.Contracts;

namespace HiPortal.Client;

/// <summary>The JSON form of an offload of one UINT8 sample (flat shape), as devices, tests and the bench post it.</summary>
public static class OffloadRequests
{
    public static OffloadRequest Image(string sampleId, ReadOnlySpan<byte> pixels, int localClass, double confidence, int? label = null,
        long? localMicros = null) => new()
        {
            SampleId = sampleId,
            Input = new SampleInput { Datatype = "UINT8", Shape = [pixels.Length], Data = Convert.ToBase64String(pixels) },
            Local = new LocalDecision { PredictedClass = localClass, Confidence = confidence, InferenceMicros = localMicros },
            Label = label,
        };
}
