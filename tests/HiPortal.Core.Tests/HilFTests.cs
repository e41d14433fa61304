using HiPortal.Core.Online;

namespace HiPortal.Core.Tests;

public class HilFTests
{
    // η = 1, β = 0.3. Rounds (confidence, tiny wrong): (0.5, yes), (0.8, no), (0.2, yes).
    // A θ at or below p keeps the sample local (loss = wrong); a θ above p offloads (loss = β).
    //   interval      round 1   round 2   round 3   L
    //   (0, 0.2]        1         0         1       2.0
    //   (0.2, 0.5]      1         0         0.3     1.3
    //   (0.5, 0.8]      0.3       0         0.3     0.6
    //   (0.8, 1]        0.3       0.3       0.3     0.9
    // Weight |I|·e^(−L): 0.2e^−2 = 0.0270671, 0.3e^−1.3 = 0.0817598, 0.3e^−0.6 = 0.1646435, 0.2e^−0.9 = 0.0813139;
    // sum 0.3547843; normalised 0.0762915, 0.2304493, 0.4640666, 0.2291926.
    private static HilF AfterThreeRounds()
    {
        var hil = new HilF(beta: 0.3, eta: 1, seed: 1);
        hil.Step(0.5, tinyWrong: true);
        hil.Step(0.8, tinyWrong: false);
        hil.Step(0.2, tinyWrong: true);
        return hil;
    }

    [Fact]
    public void Intervals_AfterThreeRounds_MatchHandComputedLossesAndWeights()
    {
        var intervals = AfterThreeRounds().Intervals;

        Assert.Equal([0.0, 0.2, 0.5, 0.8], intervals.Select(i => i.Lower));
        Assert.Equal([0.2, 0.5, 0.8, 1.0], intervals.Select(i => i.Upper));
        Assert.Equal([2.0, 1.3, 0.6, 0.9], intervals.Select(i => Math.Round(i.CumulativeLoss, 12)));
        double[] expected = [0.0762915, 0.2304493, 0.4640666, 0.2291926];
        for (var j = 0; j < 4; j++)
            Assert.Equal(expected[j], intervals[j].Weight, 6);
        Assert.Equal(1.0, intervals.Sum(i => i.Weight), 12);
    }

    [Fact]
    public void Decide_AfterThreeRounds_OffloadProbabilityIsWeightAboveConfidence()
    {
        var hil = AfterThreeRounds();

        // θ > 0.6: two thirds of (0.5, 0.8] plus all of (0.8, 1]: (0.1646435·2/3 + 0.0813139) / 0.3547843 = 0.5385707.
        var decision = hil.Decide(0.6);

        Assert.Equal(0.5385707, decision.OffloadProbability, 6);
        Assert.Equal(decision.Offload, 0.6 < decision.Threshold);
    }

    [Fact]
    public void BestFixedThreshold_AfterThreeRounds_IsMidpointOfLeastLossInterval()
    {
        var hil = AfterThreeRounds();

        Assert.Equal(0.65, hil.BestFixedThreshold, 12);
        Assert.Equal(0.6, hil.BestFixedThresholdCost, 12);
        Assert.Equal(3, hil.Rounds);
        // Median: 0.5 of the mass is reached 0.4164478 of the way into (0.5, 0.8] → 0.5 + 0.3·0.4164478.
        Assert.Equal(0.6249343, hil.CurrentThreshold, 6);
    }

    [Fact]
    public void Step_ChargesBetaForOffloadsAndWrongAnswersForLocalRounds()
    {
        var hil = new HilF(0.3, 0.5, seed: 7);
        var random = new Random(8);
        double expectedRealised = 0, expectedExpected = 0;
        for (var t = 0; t < 200; t++)
        {
            var p = random.NextDouble();
            var wrong = random.NextDouble() > p;
            var d = hil.Step(p, wrong);
            expectedRealised += d.Offload ? 0.3 : wrong ? 1 : 0;
            expectedExpected += (d.OffloadProbability * 0.3) + ((1 - d.OffloadProbability) * (wrong ? 1 : 0));
        }

        Assert.Equal(expectedRealised, hil.CumulativeCost, 9);
        Assert.Equal(expectedExpected, hil.ExpectedCumulativeCost, 9);
        Assert.Equal(hil.CumulativeCost - hil.BestFixedThresholdCost, hil.Regret, 12);
        var summary = hil.Summary();
        Assert.Equal(200, summary.Rounds);
        Assert.Equal(hil.Regret / 200, summary.RegretPerRound, 12);
    }

    [Fact]
    public void Step_OnTenThousandSyntheticRounds_KeepsRegretPerRoundUnderOnePercent()
    {
        // Confidence uniform on [0, 1] and the tiny model wrong with probability 1 − p: the best θ is 1 − β = 0.7.
        const int rounds = 10_000;
        var hil = new HilF(beta: 0.3, eta: HilF.DefaultEta(rounds), seed: 42);
        var random = new Random(2024);
        for (var t = 0; t < rounds; t++)
        {
            var p = random.NextDouble();
            hil.Step(p, tinyWrong: random.NextDouble() > p);
        }

        Assert.InRange(hil.RegretPerRound, -0.01, 0.01);
        Assert.InRange(hil.BestFixedThreshold, 0.62, 0.78);
        Assert.InRange(hil.CurrentThreshold, 0.62, 0.78);
    }

    [Fact]
    public void Step_WithSameSeed_IsReproducible()
    {
        var a = new HilF(0.3, 0.2, seed: 9);
        var b = new HilF(0.3, 0.2, seed: 9);
        for (var t = 0; t < 100; t++)
        {
            var p = (t * 0.37) % 1;
            Assert.Equal(a.Step(p, t % 3 == 0), b.Step(p, t % 3 == 0));
        }
    }

    [Fact]
    public void Observe_WithoutDecide_Throws()
    {
        var hil = new HilF(0.3, 1, seed: 1);

        Assert.Throws<InvalidOperationException>(() => hil.Observe(0.5, tinyWrong: true));
    }

    [Fact]
    public void Observe_ForAnotherConfidence_Throws()
    {
        var hil = new HilF(0.3, 1, seed: 1);
        hil.Decide(0.5);

        Assert.Throws<InvalidOperationException>(() => hil.Observe(0.6, tinyWrong: true));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.1)]
    [InlineData(double.NaN)]
    public void Decide_RejectsConfidenceOutsideUnitInterval(double confidence)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new HilF(0.3, 1, seed: 1).Decide(confidence));
    }

    [Fact]
    public void DefaultEta_FollowsDocumentedFormula()
    {
        Assert.Equal(Math.Sqrt(8 * Math.Log(10_001) / 10_000), HilF.DefaultEta(10_000), 15);
    }
}
