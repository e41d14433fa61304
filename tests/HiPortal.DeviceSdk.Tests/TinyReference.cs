using HiPortal.Core.Data;
using HiPortal.Core.Decisions;
using HiPortal.Core.Inference;

namespace HiPortal.DeviceSdk.Tests;

/// <summary>Real test images and the tiny model's confidence on each, from a direct OnnxClassifier run (batch 1, like a device).</summary>
public static class TinyReference
{
    public const int Count = 300;
    private static readonly Lazy<LabelledImages> s_images = new(() => FashionMnist.Load(FashionMnistSplit.Test).Take(Count));
    private static readonly Lazy<OnnxClassifier> s_model = new(() => OnnxClassifier.Load(ModelCard.LoadNamed("fashion-tiny").OnnxPath()));
    private static readonly Lazy<float[]> s_confidence = new(Compute);

    public static LabelledImages Images => s_images.Value;

    /// <summary>One tiny model for every client in the tests (loading it per client would only cost time).</summary>
    public static OnnxClassifier Model => s_model.Value;

    public static float Confidence(int index) => s_confidence.Value[index];

    public static ReadOnlyMemory<byte> Pixels(int index) => Images.Image(index).ToArray();

    public static int Label(int index) => Images.Label(index);

    /// <summary>Indices of samples the tiny model is unsure of (so any θ ≥ 0.9 offloads them).</summary>
    public static int[] Unsure(int count) =>
        Enumerable.Range(0, Count).Where(i => Confidence(i) < 0.9f).Take(count).ToArray();

    private static float[] Compute()
    {
        var confidence = new float[Count];
        var input = new float[FashionMnist.PixelsPerImage];
        var logits = new float[FashionMnist.ClassNames.Count];
        var probabilities = new float[FashionMnist.ClassNames.Count];
        for (var i = 0; i < Count; i++)
        {
            var image = Images.Image(i);
            for (var p = 0; p < image.Length; p++)
                input[p] = image[p] / 255f;
            Model.Run(input, 1, logits);
            Probabilities.Softmax(logits, probabilities);
            confidence[i] = Probabilities.Top2(probabilities).P1;
        }

        return confidence;
    }
}
