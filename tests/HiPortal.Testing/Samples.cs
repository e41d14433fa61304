using HiPortal.Core.Data;

namespace HiPortal.Testing;

/// <summary>Real Fashion-MNIST test images as offloads, in either wire form, labelled.</summary>
public static class Samples
{
    private static readonly Lazy<LabelledSamples> s_test = new(() => FashionMnist.Load(FashionMnistSplit.Test).Take(512));

    public static LabelledSamples Test => s_test.Value;

    /// <summary>The JSON form of an offload of test image <paramref name="index"/>, its true label attached.</summary>
    public static OffloadRequest Offload(int index, string sampleId, int? localClass = null, double confidence = 0.42) =>
        OffloadRequests.Image(sampleId, Test.Sample(index), localClass ?? Test.Label(index), confidence, Test.Label(index), localMicros: 900);

    /// <summary>The compact binary form of the same offload: the raw 784 pixels as the body, metadata in headers.</summary>
    public static BinaryOffload Binary(int index, string sampleId, int? localClass = null, double confidence = 0.42, bool withLabel = true) =>
        new(sampleId, Test.Sample(index).ToArray(), localClass ?? Test.Label(index), confidence)
        {
            Label = withLabel ? Test.Label(index) : null,
        };

    /// <summary>Posts one labelled offload as <paramref name="device"/> and returns the server's answer.</summary>
    public static Task<OffloadResponse> OffloadAsync(this HiPortalClient device, int image, string sampleId, double confidence = 0.42,
        int? localClass = null) =>
        device.OffloadAsync(Offload(image, sampleId, localClass, confidence));

    /// <summary>
    /// Posts <paramref name="count"/> labelled offloads with confidences spread over [0.05, 0.85) and, for every
    /// fourth sample, a local answer that is wrong, so both advice sources have something to learn from.
    /// </summary>
    public static async Task PostLabelledOffloadsAsync(this HiPortalClient device, int count, string prefix)
    {
        for (var i = 0; i < count; i++)
        {
            var label = Test.Label(i);
            int? local = i % 4 == 0 ? (label + 1) % 10 : null;
            await device.OffloadAsync(i, $"{prefix}-{i}", 0.05 + (0.8 * i / count), local);
        }
    }

    /// <summary>A name no other test in the same server uses (fleets, devices and users share one database).</summary>
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("n")[..10]}";
}
