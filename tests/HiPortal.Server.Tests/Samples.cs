using HiPortal.Core.Data;

namespace HiPortal.Server.Tests;

/// <summary>Real Fashion-MNIST test images for requests.</summary>
public static class Samples
{
    private static readonly Lazy<LabelledImages> s_test = new(() => FashionMnist.Load(FashionMnistSplit.Test).Take(512));

    public static LabelledImages Test => s_test.Value;

    public static object OffloadBody(int index, string sampleId, int? localClass = null, double confidence = 0.42) => new
    {
        sampleId,
        input = new { datatype = "UINT8", shape = new[] { 1, 28, 28 }, data = Convert.ToBase64String(Test.Image(index)) },
        local = new { predictedClass = localClass ?? Test.Label(index), confidence, inferenceMicros = 900 },
        label = (int)Test.Label(index),
    };
}
