using HiPortal.Core.Online;

namespace HiPortal.Core.Tests;

public class HilNTests
{
    [Fact]
    public void Observe_AfterOffload_ChargesLocalThresholdsWrongOverOffloadProbability()
    {
        // Fresh learner: weights uniform, so q(0.5) = 0.5 and P = ε + (1 − ε)·q = 0.5 + 0.5·0.5 = 0.75.
        var hil = new HilN(beta: 0.3, eta: 1, epsilon: 0.5, seed: 3);
        OnlineDecision decision;
        do
            decision = hil.Decide(0.5);
        while (!decision.Offload);

        hil.Observe(0.5, revealedTinyWrong: true);

        Assert.Equal(0.75, decision.OffloadProbability, 12);
        var intervals = hil.Intervals;
        Assert.Equal(1 / 0.75, intervals[0].CumulativeLoss, 12); // θ ≤ 0.5 would have kept it local
        Assert.Equal(0.3, intervals[1].CumulativeLoss, 12);      // θ > 0.5 would have offloaded
    }

    [Fact]
    public void Observe_AfterLocalRound_LearnsOnlyTheOffloadCost()
    {
        var hil = new HilN(beta: 0.3, eta: 1, epsilon: 0.2, seed: 3);
        OnlineDecision decision;
        do
            decision = hil.Decide(0.5);
        while (decision.Offload);

        hil.Observe(0.5, revealedTinyWrong: null);

        var intervals = hil.Intervals;
        Assert.Equal(0.0, intervals[0].CumulativeLoss);      // nothing learned about keeping it local
        Assert.Equal(0.3, intervals[1].CumulativeLoss, 12);  // offloading would have cost β
        Assert.Equal(1, hil.Rounds);
    }

    [Fact]
    public void Observe_LocalRoundWithVerdict_Throws()
    {
        var hil = new HilN(0.3, 1, 0, seed: 3);
        hil.Decide(1.0);

        var error = Assert.Throws<ArgumentException>(() => hil.Observe(1.0, revealedTinyWrong: false));
        Assert.Contains("kept local", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Step_OnSyntheticRounds_RegretPerRoundShrinks()
    {
        const int rounds = 10_000;
        var epsilon = HilN.DefaultEpsilon(rounds);
        var hil = new HilN(beta: 0.3, eta: HilN.DefaultEta(rounds), epsilon: epsilon, seed: 42);
        var random = new Random(2024);
        var early = double.NaN;
        for (var t = 1; t <= rounds; t++)
        {
            var p = random.NextDouble();
            hil.Step(p, tinyWrong: random.NextDouble() > p);
            if (t == 1_000)
                early = hil.RegretPerRound;
        }

        Assert.True(hil.RegretPerRound < early, $"regret/round {hil.RegretPerRound} at {rounds} vs {early} at 1000");
        Assert.InRange(hil.RegretPerRound, -0.02, 0.02);
        Assert.Equal(rounds, hil.Summary().Rounds);
    }

    [Fact]
    public void DefaultEpsilon_IsInverseSquareRootOfHorizon()
    {
        Assert.Equal(0.01, HilN.DefaultEpsilon(10_000), 12);
        Assert.Equal(1.0, HilN.DefaultEpsilon(1));
    }
}
