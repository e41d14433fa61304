using HiPortal.Core.Inference;

namespace HiPortal.Server.Tests;

/// <summary>The large model run directly (no server), as the reference the server's answers are checked against.</summary>
public static class LargeModel
{
    private static readonly Lazy<OnnxClassifier> s_classifier =
        new(() => OnnxClassifier.Load(ModelCard.LoadNamed("fashion-large").OnnxPath()));

    public static string Version => ModelCard.LoadNamed("fashion-large").Version;

    /// <summary>Logits of one Fashion-MNIST image given as its 784 UINT8 pixels.</summary>
    public static float[] Logits(ReadOnlySpan<byte> pixels)
    {
        var input = new float[s_classifier.Value.Signature.SampleLength];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = pixels[i] / 255f;
        }

        var logits = new float[s_classifier.Value.Signature.ClassCount];
        s_classifier.Value.Run(input, 1, logits);
        return logits;
    }

    public static float[] Probabilities(ReadOnlySpan<byte> pixels)
    {
        var probabilities = new float[s_classifier.Value.Signature.ClassCount];
        Core.Decisions.Probabilities.Softmax(Logits(pixels), probabilities);
        return probabilities;
    }

    public static int PredictedClass(ReadOnlySpan<byte> pixels) => ArgMax(Logits(pixels));

    public static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
