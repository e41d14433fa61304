using HiPortal.Core.Calibration;

namespace HiPortal.Core.Tests;

public class TradeoffCurveTests
{
    // Six samples. Sorted by score: 0.3 (#1, #3), 0.5 (#5), 0.6 (#2), 0.9 (#0), 0.95 (#4).
    //   sample:  #0    #1    #2    #3    #4    #5
    //   score:   0.9   0.3   0.6   0.3   0.95  0.5
    //   tiny:    ok    no    ok    ok    no    no     → tiny accuracy 3/6
    //   large:   ok    ok    no    ok    no    ok     → large accuracy 4/6
    private static readonly double[] s_scores = [0.9, 0.3, 0.6, 0.3, 0.95, 0.5];
    private static readonly bool[] s_tiny = [true, false, true, true, false, false];
    private static readonly bool[] s_large = [true, true, false, true, false, true];

    // Offloading a group changes the correct count by (large − tiny) in it:
    //   0.3: #1 +1, #3 0 → +1;  0.5: #5 +1;  0.6: #2 −1;  0.9: #0 0;  0.95: #4 0.
    // Starting from 3 correct: 3, 4, 5, 4, 4, 4 (out of 6).
    private static readonly TradeoffPoint[] s_expected =
    [
        new(0.0, 0.0 / 6, 3.0 / 6),
        new(0.5, 2.0 / 6, 4.0 / 6),    // θ = next distinct score: "< 0.5" offloads both 0.3s
        new(0.6, 3.0 / 6, 5.0 / 6),
        new(0.9, 4.0 / 6, 4.0 / 6),
        new(0.95, 5.0 / 6, 4.0 / 6),
        new(Math.BitIncrement(0.95), 6.0 / 6, 4.0 / 6),
    ];

    private static TradeoffCurve Curve() => TradeoffCurve.Build(s_scores, s_tiny, s_large);

    [Fact]
    public void Build_OnSixSamples_GivesHandComputedCurve()
    {
        var curve = Curve();

        Assert.Equal(s_expected, curve.Points);
        Assert.Equal(6, curve.Count);
        Assert.Equal(0.5, curve.TinyAccuracy);
        Assert.Equal(4.0 / 6, curve.LargeAccuracy);
    }

    [Theory]
    [InlineData(0.6, 0.5)]   // 4/6 ≥ 0.6 first reached at θ = 0.5
    [InlineData(0.8, 0.6)]   // 5/6
    [InlineData(0.9, 0.6)]   // unreachable: falls back to the most accurate point
    [InlineData(0.5, 0.0)]   // tiny alone is enough
    public void ChooseForTargetAccuracy_PicksLeastOffloadReachingTarget(double target, double expectedThreshold)
    {
        Assert.Equal(expectedThreshold, Curve().ChooseForTargetAccuracy(target).Threshold);
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.4, 0.5)]   // f ≤ 0.4 allows 0/6 and 2/6: 4/6 beats 3/6
    [InlineData(1.0, 0.6)]   // the peak 5/6 at f = 3/6
    public void ChooseForOffloadBudget_PicksMostAccurateWithinBudget(double budget, double expectedThreshold)
    {
        Assert.Equal(expectedThreshold, Curve().ChooseForOffloadBudget(budget).Threshold);
    }

    [Theory]
    // β = 0.3: costs 0.5, 0.1+1/3, 0.15+1/6 = 0.3167, 0.2+1/3, 0.25+1/3, 0.3+1/3 → θ = 0.6.
    [InlineData(0.3, 0.6)]
    // β = 1: costs 0.5, 2/3, 0.5+1/6, … → offloading never pays, θ = 0.
    [InlineData(1.0, 0.0)]
    public void ChooseForMinimumCost_MinimisesBetaTimesOffloadPlusErrors(double beta, double expectedThreshold)
    {
        Assert.Equal(expectedThreshold, Curve().ChooseForMinimumCost(beta).Threshold);
    }

    [Fact]
    public void Evaluate_BetweenScores_OffloadsStrictlyBelowThreshold()
    {
        var curve = Curve();

        // < 0.55 offloads 0.3, 0.3, 0.5: same outcome as θ = 0.6.
        Assert.Equal(new TradeoffPoint(0.55, 3.0 / 6, 5.0 / 6), curve.Evaluate(0.55));
        // < 0.3 offloads nothing: the tie at 0.3 stays local.
        Assert.Equal(new TradeoffPoint(0.3, 0, 0.5), curve.Evaluate(0.3));
        Assert.Equal(4.0 / 6, curve.Evaluate(2.0).Accuracy);
    }

    [Fact]
    public void Build_WithMismatchedLengths_Throws()
    {
        Assert.Throws<ArgumentException>(() => TradeoffCurve.Build([0.1, 0.2], [true], [true, false]));
    }

    [Fact]
    public void Build_WithNaNScore_NamesTheSample()
    {
        var error = Assert.Throws<ArgumentException>(() => TradeoffCurve.Build([0.1, double.NaN], [true, true], [true, true]));
        Assert.Contains("Score 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_OnManySamples_HasOnePointPerDistinctScorePlusOne()
    {
        var random = new Random(5);
        var scores = Enumerable.Range(0, 20_000).Select(_ => Math.Round(random.NextDouble(), 3)).ToArray();
        var tiny = scores.Select(s => s > 0.4).ToArray();
        var large = scores.Select(_ => true).ToArray();

        var curve = TradeoffCurve.Build(scores, tiny, large);

        Assert.Equal(scores.Distinct().Count() + 1, curve.Points.Count);
        Assert.Equal(1.0, curve.Points[^1].OffloadFraction);
        Assert.Equal(1.0, curve.Points[^1].Accuracy);
        Assert.True(curve.Points.Zip(curve.Points.Skip(1)).All(pair => pair.First.OffloadFraction < pair.Second.OffloadFraction));
    }
}
