using HiPortal.Cli.Simulate;
using HiPortal.Core.Calibration;
using HiPortal.Core.Data;
using HiPortal.Core.Decisions;
using HiPortal.Core.Evaluation;
using HiPortal.Core.Inference;

namespace HiPortal.DeviceSdk.Tests.EndToEnd;

/// <summary>
/// The offline evaluation of exactly the samples a fleet processed: both models run here with OnnxClassifier on
/// the same images (the tiny one at batch 1 in the devices' own session, as on a device), their outputs as Core
/// <see cref="ModelOutputs"/>, and the max-softmax <see cref="TradeoffCurve"/> built from them.
/// </summary>
public sealed class OfflineEvaluation
{
    private static readonly Lazy<OnnxClassifier> s_large = new(() => OnnxClassifier.Load(ModelCard.LoadNamed("fashion-large").OnnxPath()));
    private readonly double[] _scores;

    private OfflineEvaluation(ModelOutputs tiny, ModelOutputs large)
    {
        Tiny = tiny;
        Large = large;
        _scores = tiny.Scores(new MaxSoftmaxRule(0));
        Curve = TradeoffCurve.Build(_scores, tiny.CorrectFlags(), large.CorrectFlags());
    }

    public ModelOutputs Tiny { get; }

    public ModelOutputs Large { get; }

    public TradeoffCurve Curve { get; }

    public int Count => _scores.Length;

    /// <summary>Whether max-softmax at <paramref name="threshold"/> offloads sample <paramref name="index"/>.</summary>
    public bool Offloads(int index, double threshold) => _scores[index] < threshold;

    public static OfflineEvaluation Of(IReadOnlyList<SampleRecord> records)
    {
        var images = SimulatedFleet.Images;
        var labels = records.Select(r => images.Label(r.Image)).ToArray();
        var tinyLogits = new float[records.Count * FashionMnist.ClassNames.Count];
        var largeLogits = new float[records.Count * FashionMnist.ClassNames.Count];
        var input = new float[FashionMnist.PixelsPerImage];
        for (var i = 0; i < records.Count; i++)
        {
            var image = images.Image(records[i].Image);
            for (var p = 0; p < image.Length; p++)
                input[p] = image[p] / 255f;
            SimulatedFleet.Tiny.Run(input, 1, tinyLogits.AsMemory(i * FashionMnist.ClassNames.Count, FashionMnist.ClassNames.Count));
            s_large.Value.Run(input, 1, largeLogits.AsMemory(i * FashionMnist.ClassNames.Count, FashionMnist.ClassNames.Count));
        }

        return new OfflineEvaluation(ModelOutputs.FromLogits(tinyLogits, labels, FashionMnist.ClassNames.Count), ModelOutputs.FromLogits(largeLogits, labels, FashionMnist.ClassNames.Count));
    }
}
