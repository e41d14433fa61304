using HiPortal.Cli.Simulate;
using HiPortal.Core.Data;
using HiPortal.Core.Drift;
using HiPortal.Core.Evaluation;
using HiPortal.Core.Inference;
using HiPortal.Core.Online;

namespace HiPortal.Cli.Tests;

/// <summary>
/// Drift detection (issue 13) on the committed models: streams drawn with replacement from Fashion-MNIST's test set,
/// clean for 10,000 samples and then, for the step drifts, through <see cref="Drift"/> at half strength.
/// </summary>
[Collection(RealModelsCollection.Name)]
public class DriftDetectionAcceptanceTests(RealModelsFixture models)
{
    private const int Half = 10_000;
    private const int Recovery = 2_000;
    private const double Beta = RealModelsFixture.OnlineBeta;

    // Drifted images: the first 5,000 test images are enough to resample from and keep each test's inference short.
    private const int DriftedImages = 5_000;
    private static readonly Dictionary<DriftKind, OnlineStream> s_drifted = [];

    [Fact]
    public void DetectorWithDefaults_RaisesNoAlarm_InOneHundredDriftFreeRunsOf20000Samples()
    {
        var clean = OnlineStream.From(models.TinyTest, models.LargeTest);
        var alarms = 0;
        var largest = 0.0;
        for (var seed = 0; seed < 100; seed++)
        {
            var detector = new ConfidenceCusum();
            foreach (var confidence in clean.Resample(2 * Half, 1_000 + seed).Confidence)
            {
                if (detector.Observe(confidence))
                {
                    alarms++;
                    detector.Restart();
                }

                largest = Math.Max(largest, Math.Max(detector.Upper, detector.Lower));
            }
        }

        Assert.Equal(0, alarms);
        Assert.InRange(largest, 1, new ConfidenceCusum().H); // the statistic moves, but stays below h
    }

    [Theory]
    [InlineData(DriftKind.NoiseStep)]
    [InlineData(DriftKind.BrightnessStep)]
    public void StepDriftHalfWay_IsDetectedWithin1000Samples_AndTheResetLearnerIsBackNearTheNewBestCostWithin2000(DriftKind kind)
    {
        var clean = OnlineStream.From(models.TinyTest, models.LargeTest);
        var excess = new List<double>();
        for (var seed = 1; seed <= 8; seed++)
        {
            var stream = clean.Resample(Half, seed).Then(Drifted(kind).Resample(Half, seed + 100));
            var settings = new OnlineRunSettings(Beta, FeedbackMode.LargeModelOnly, ExplorationSchedule.None);

            var result = OnlineRun.Run(new HiLcbLite(Beta, seed), stream, settings, new ConfidenceCusum());

            var alarm = Assert.Single(result.DriftAlarms);
            Assert.InRange(alarm, Half, Half + 999);
            var window = stream.Slice(Half + Recovery, Half - Recovery);
            var (_, bestCost) = FixedThreshold.Best(window.Confidence, window.TinyWrongVsLarge, Beta);
            excess.Add((result.CostOver(Half + Recovery, Half - Recovery) / bestCost) - 1);
        }

        // Measured: 0.6-1.6 % (noise, one run 2.2 %) and 0.6-1.5 % (brightness) over these eight runs.
        Assert.True(excess.Average() < 0.02, $"mean excess {excess.Average():P2}: {string.Join(", ", excess.Select(e => e.ToString("P2")))}");
        Assert.True(excess.Max() < 0.025, $"worst excess {excess.Max():P2}");
    }

    /// <summary>The test images as the step drift leaves them after the change, through both models; once per kind.</summary>
    private OnlineStream Drifted(DriftKind kind)
    {
        lock (s_drifted)
        {
            if (!s_drifted.TryGetValue(kind, out var stream))
            {
                var random = new Random(5);
                var pixels = new byte[DriftedImages * FashionMnist.PixelsPerImage];
                for (var i = 0; i < DriftedImages; i++)
                    Drift.Apply(models.Test.Sample(i), kind, progress: 1, random).CopyTo(pixels.AsSpan(i * FashionMnist.PixelsPerImage));
                var images = new LabelledSamples(SampleDatatype.Uint8, FashionMnist.PixelsPerImage, pixels, models.Test.Labels[..DriftedImages].ToArray());
                var input = RealModelsFixture.ToModelInput(images);
                var classes = FashionMnist.ClassNames.Count;
                stream = OnlineStream.From(
                    ModelOutputs.FromLogits(models.Tiny.RunAll(input, RealModelsFixture.BatchSize), images.Labels, classes),
                    ModelOutputs.FromLogits(models.Large.RunAll(input, RealModelsFixture.BatchSize), images.Labels, classes));
                s_drifted.Add(kind, stream);
            }

            return stream;
        }
    }
}
