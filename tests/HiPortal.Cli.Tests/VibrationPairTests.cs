using HiPortal.Cli.Common;
using HiPortal.Core.Data;
using HiPortal.Core.Decisions;
using HiPortal.Core.Evaluation;

namespace HiPortal.Cli.Tests;

/// <summary>
/// The paper's second application on the committed files: the vibration pair over its calibration and test splits.
/// θ is chosen on calibration only (the largest that offloads at most 28 % there), then judged on test.
/// </summary>
public sealed class VibrationPairTests
{
    private static readonly Lazy<(ModelOutputs Tiny, ModelOutputs Large)[]> s_outputs = new(Run);

    [Fact]
    public void TinyTrailsLarge_ByAtLeastThreePoints_SoHiHasWorkToDo()
    {
        var (tiny, large) = s_outputs.Value[1];

        Assert.True(large.Accuracy() - tiny.Accuracy() >= 0.03, $"tiny {tiny.Accuracy():P2}, large {large.Accuracy():P2}");
        Assert.True(large.Accuracy() >= 0.88, $"large {large.Accuracy():P2}");
    }

    [Fact]
    public void Hi_IsWithinOnePointOfLarge_AtMostThirtyPercentOffload_OnTheTestSplit()
    {
        var (calibrationTiny, calibrationLarge) = s_outputs.Value[0];
        var theta = Enumerable.Range(50, 50).Select(t => t / 100.0)
            .Where(t => Hi(calibrationTiny, calibrationLarge, t).Offload <= 0.28).Max();
        var (tiny, large) = s_outputs.Value[1];

        var (offload, accuracy) = Hi(tiny, large, theta);

        Assert.InRange(offload, 0.05, 0.30);
        Assert.True(large.Accuracy() - accuracy <= 0.01, $"θ = {theta}: HI {accuracy:P2} at {offload:P1} offload, large {large.Accuracy():P2}");
    }

    private static (double Offload, double Accuracy) Hi(ModelOutputs tiny, ModelOutputs large, double theta)
    {
        var (offloaded, correct) = (0, 0);
        for (var i = 0; i < tiny.Count; i++)
        {
            var offload = Probabilities.Top2(tiny.ProbabilitiesOf(i)).P1 < theta;
            offloaded += offload ? 1 : 0;
            correct += (offload ? large.Correct(i) : tiny.Correct(i)) ? 1 : 0;
        }

        return ((double)offloaded / tiny.Count, (double)correct / tiny.Count);
    }

    private static (ModelOutputs, ModelOutputs)[] Run()
    {
        using var pair = ModelPair.Load(RepoPaths.Models, "vibration-tiny", "vibration-large");
        return new[] { "calibration", "test" }.Select(split =>
        {
            var samples = LabelledData.Load(new LabelledDataSource(Path.Combine(RepoPaths.Models, "demo", $"vibration-{split}.npz")));
            pair.EnsureFits(samples, split);
            return pair.Run(samples);
        }).ToArray();
    }
}
