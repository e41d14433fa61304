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
    public static ReplayedSample[] Run(IReadOnlyList<SampleRecord> records, LabelledSamples images, OnnxClassifier tiny,
        OnnxClassifier large, bool drifted)
    {
        var replayed = new ReplayedSample[records.Count];
        var (length, classes) = (large.Signature.SampleLength, large.Signature.ClassCount);
        var (tinyDecoder, largeDecoder) = (new SampleDecoder(tiny.Signature), new SampleDecoder(large.Signature));
        var datatype = images.Datatype.Name();
        // Each model decodes with its own card's preprocessing, as the device and the server do.
        var input = new float[LargeBatch * length];
        var tinyInput = new float[length];
        var logits = new float[LargeBatch * classes];
        var probabilities = new float[classes];
        for (var start = 0; start < records.Count; start += LargeBatch)
        {
            var n = Math.Min(LargeBatch, records.Count - start);
            for (var j = 0; j < n; j++)
            {
                var record = records[start + j];
                largeDecoder.Decode(datatype, Sample(records[start + j], images, drifted), input.AsSpan(j * length, length));
            }

            large.Run(input, n, logits);
            for (var j = 0; j < n; j++)
                replayed[start + j] = replayed[start + j] with { LargeClass = ArgMax(logits.AsSpan(j * classes, classes)) };

            for (var j = 0; j < n; j++)
            {
                tinyDecoder.Decode(datatype, Sample(records[start + j], images, drifted), tinyInput);
                tiny.Run(tinyInput, 1, logits.AsMemory(0, classes));
                Scores.ToProbabilities(tiny.Signature, logits.AsSpan(0, classes), probabilities);
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

    private static ReadOnlySpan<byte> Sample(SampleRecord record, LabelledSamples images, bool drifted) =>
        drifted && record.Pixels is { } p ? p : images.Sample(record.Image);

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
