using HiPortal.Core.Codec;
using HiPortal.Core.Data;
using HiPortal.Core.Decisions;
using HiPortal.Core.Inference;

namespace HiPortal.Cli.Simulate;

/// <summary>One sample replayed offline: both models' classes and the rule's decision.</summary>
public readonly record struct ReplayedSample(int TinyClass, int LargeClass, bool Offload)
{
    public int HiClass => Offload ? LargeClass : TinyClass;
}

/// <summary>
/// Runs both models offline on exactly the samples the fleet processed, deciding each with the rule that decided it
/// on its device. The tiny model runs at batch 1 in the same session the devices used, so its decisions must
/// match the fleet's exactly; the large model's answers can differ from the server's only by batching round-off.
/// </summary>
public static class OfflineReplay
{
    private const int LargeBatch = 64;

    /// <param name="drifted">True: the pixels the devices saw; false: the undistorted data set images.</param>
    public static ReplayedSample[] Run(IReadOnlyList<SampleRecord> records, LabelledImages images, OnnxClassifier tiny,
        OnnxClassifier large, bool drifted)
    {
        var replayed = new ReplayedSample[records.Count];
        var input = new float[LargeBatch * OnnxClassifier.InputLength];
        var logits = new float[LargeBatch * OnnxClassifier.ClassCount];
        var probabilities = new float[OnnxClassifier.ClassCount];
        for (var start = 0; start < records.Count; start += LargeBatch)
        {
            var n = Math.Min(LargeBatch, records.Count - start);
            for (var j = 0; j < n; j++)
            {
                var record = records[start + j];
                var pixels = drifted && record.Pixels is { } p ? p : images.Image(record.Image);
                SampleCodec.DecodeUint8(pixels, input.AsSpan(j * OnnxClassifier.InputLength, OnnxClassifier.InputLength));
            }

            large.Run(input, n, logits);
            for (var j = 0; j < n; j++)
                replayed[start + j] = replayed[start + j] with { LargeClass = ArgMax(logits.AsSpan(j * OnnxClassifier.ClassCount, OnnxClassifier.ClassCount)) };

            for (var j = 0; j < n; j++)
            {
                tiny.Run(input.AsMemory(j * OnnxClassifier.InputLength, OnnxClassifier.InputLength), 1, logits.AsMemory(0, OnnxClassifier.ClassCount));
                Probabilities.Softmax(logits.AsSpan(0, OnnxClassifier.ClassCount), probabilities);
                var rule = records[start + j].Rule ?? new MaxSoftmaxRule(0);
                replayed[start + j] = replayed[start + j] with
                {
                    TinyClass = Probabilities.Top2(probabilities).Class,
                    Offload = rule.ShouldOffload(probabilities),
                };
            }
        }

        return replayed;
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
                best = i;
        }

        return best;
    }
}
