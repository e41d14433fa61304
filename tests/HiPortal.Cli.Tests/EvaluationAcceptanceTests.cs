using HiPortal.Core.Data;
using HiPortal.Core.Decisions;
using HiPortal.Core.Evaluation;

namespace HiPortal.Cli.Tests;

/// <summary>The acceptance criteria for offline and online HI, on the real models and data.</summary>
[Collection(RealModelsCollection.Name)]
public class EvaluationAcceptanceTests(RealModelsFixture models)
{
    private const string TargetPoint = "HI max-softmax, target accuracy";
    private const string BudgetPoint = "HI max-softmax, offload budget";
    private const string MinCostPoint = "HI max-softmax, min cost";

    // Sampling error of an offload fraction near 0.2 is ~0.006 on 5,000 calibration images and ~0.004 on
    // 10,000 test images; 0.02 is about three combined standard deviations.
    private const double BudgetSlack = 0.02;

    // HiEvaluator's defaults (a UINT8 Fashion-MNIST image per offload): within 1 point of large, 20 % offload budget, β = 0.3.
    private static readonly EvaluationSettings s_settings = new() { SampleBytes = FashionMnist.PixelsPerImage };

    private readonly EvaluationReport _report = HiEvaluator.Run(
        models.TinyCalibration, models.LargeCalibration, models.TinyTest, models.LargeTest, s_settings);

    private OperatingPoint Point(string name) => Assert.Single(_report.Points, p => p.Name == name);

    [Fact]
    public void TargetAccuracyPoint_OnTest_IsWithinOnePointOfLargeOffloadingAtMost30Percent()
    {
        var largeTestAccuracy = RealModelsFixture.Accuracy(RealModelsFixture.ArgMax(models.LargeTestLogits), models.Test.Labels);
        var point = Point(TargetPoint);

        Assert.Equal(largeTestAccuracy, _report.LargeAccuracy, 12);
        Assert.True(point.Accuracy >= largeTestAccuracy - 0.010, $"HI {point.Accuracy:P2} vs large {largeTestAccuracy:P2}");
        Assert.InRange(point.OffloadFraction, 0, 0.30);
    }

    [Fact]
    public void TargetAccuracyThreshold_IsTheLeastOffloadingThatReachesTheTargetOnCalibration()
    {
        var calibration = HandCurve.Of(models.TinyCalibration, models.LargeCalibration);
        var threshold = Point(TargetPoint).Threshold!.Value;
        // "Within 1 point of large" on 5,000 calibration images is at most 50 fewer correct answers.
        var targetCorrect = calibration.LargeCorrect - (int)Math.Round(s_settings.TargetGapPoints / 100 * calibration.Count);

        var chosen = calibration.At(threshold);

        Assert.True(chosen.Correct >= targetCorrect, $"{chosen.Correct} correct on calibration, target {targetCorrect}");
        Assert.All(calibration.Cuts().Where(c => c.Offloaded < chosen.Offloaded), c => Assert.True(c.Correct < targetCorrect));
    }

    [Fact]
    public void TargetAccuracyPoint_IsTheCalibrationThresholdAppliedUnchangedToTest()
    {
        var point = Point(TargetPoint);

        var onTest = HandCurve.Of(models.TinyTest, models.LargeTest).At(point.Threshold!.Value);

        Assert.Equal(onTest.Accuracy, point.Accuracy, 12);
        Assert.Equal(onTest.OffloadFraction, point.OffloadFraction, 12);
    }

    [Fact]
    public void BudgetPoint_OffloadsWithinBudgetOnCalibrationAndWithinSamplingSlackOnTest()
    {
        var point = Point(BudgetPoint);
        var calibration = HandCurve.Of(models.TinyCalibration, models.LargeCalibration);

        var chosen = calibration.At(point.Threshold!.Value);

        Assert.InRange(chosen.OffloadFraction, 0, s_settings.OffloadBudget);
        Assert.All(calibration.Cuts().Where(c => c.OffloadFraction <= s_settings.OffloadBudget), c => Assert.True(c.Correct <= chosen.Correct));
        Assert.InRange(point.OffloadFraction, 0, s_settings.OffloadBudget + BudgetSlack);
    }

    [Fact]
    public void MinCostThreshold_MinimisesBetaOffloadsPlusErrorsOnCalibration()
    {
        var calibration = HandCurve.Of(models.TinyCalibration, models.LargeCalibration);

        var chosen = calibration.At(Point(MinCostPoint).Threshold!.Value);

        var best = calibration.Cuts().Min(c => c.Cost(s_settings.Beta));
        Assert.Equal(best, chosen.Cost(s_settings.Beta), 9);
    }

    [Theory]
    [InlineData(42)]
    [InlineData(7)]
    public void HilF_AtBeta03_OverTheShuffledTestSet_HasRegretPerSampleAtMostOnePercent(int seed)
    {
        var online = models.Online(seed);
        var hilF = online.Learners[0];

        Assert.Equal(10_000, online.Rounds);
        Assert.Equal(RealModelsFixture.OnlineBeta, online.Beta);
        Assert.StartsWith("HIL-F", hilF.Name, StringComparison.Ordinal);
        Assert.Equal(BestFixedThresholdCost(RealModelsFixture.OnlineBeta), hilF.BestFixedCost, 6);
        Assert.InRange(hilF.RegretPerRound, double.NegativeInfinity, 0.01);
    }

    [Theory]
    [InlineData(42)]
    [InlineData(7)]
    public void HilN_RegretPerSample_IsLowerAtTheEndThanAfterTheFirstTenth(int seed)
    {
        var online = models.Online(seed);
        var hilN = online.Learners[1];

        var afterFirstTenth = Assert.Single(online.Curve, c => c.Rounds == online.Rounds / 10);
        var atEnd = online.Curve[^1];

        Assert.StartsWith("HIL-N", hilN.Name, StringComparison.Ordinal);
        Assert.Equal(BestFixedThresholdCost(RealModelsFixture.OnlineBeta), hilN.BestFixedCost, 6);
        Assert.Equal(online.Rounds, atEnd.Rounds);
        Assert.Equal(hilN.RegretPerRound, atEnd.HilNRegretPerRound, 12);
        Assert.True(atEnd.HilNRegretPerRound < afterFirstTenth.HilNRegretPerRound,
            $"regret/sample {afterFirstTenth.HilNRegretPerRound:0.00000} after {afterFirstTenth.Rounds}, {atEnd.HilNRegretPerRound:0.00000} at the end");
    }

    /// <summary>
    /// The benchmark regret is measured against, recomputed from scratch: the least of β·offloads + wrong local
    /// answers over every θ in [0, 1] (offload iff confidence &lt; θ), "wrong" meaning tiny disagrees with large.
    /// </summary>
    private double BestFixedThresholdCost(double beta)
    {
        var samples = Enumerable.Range(0, models.TinyTest.Count)
            .Select(i => (Confidence: (double)Probabilities.Top2(models.TinyTest.ProbabilitiesOf(i)).P1,
                          Wrong: models.TinyTest.Predicted(i) != models.LargeTest.Predicted(i)))
            .OrderBy(s => s.Confidence)
            .ToArray();
        var cost = (double)samples.Count(s => s.Wrong); // θ = 0: nothing offloaded
        var best = cost;
        for (var k = 0; k < samples.Length && samples[k].Confidence < 1; k++)
        {
            // Offload one more sample (θ just above its confidence): pay β instead of its local error.
            cost += beta - (samples[k].Wrong ? 1 : 0);
            if (k == samples.Length - 1 || samples[k + 1].Confidence != samples[k].Confidence)
            {
                best = Math.Min(best, cost);
            }
        }

        return best;
    }
}
