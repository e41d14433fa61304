using HiPortal.Core.Evaluation;
using HiPortal.Core.Online;

namespace HiPortal.Cli.Tests;

/// <summary>
/// Learning without local labels (issue 13) on the committed models and Fashion-MNIST's 10,000 test samples at
/// β = 0.3: the learner the server uses (HI-LCB-lite warm-started at a θ chosen without labels on the calibration split,
/// as a fleet starts from its configured θ) comes within 2 % of the best fixed θ in hindsight, its own probes counted
/// as exploration offloads and kept under 5 % of the samples it keeps. Cold-started, HI-LCB-lite pays for its first
/// few hundred samples, all offloaded, and uniform ε exploration costs more than 2 % by itself.
/// </summary>
[Collection(RealModelsCollection.Name)]
public class OnlineLearnerAcceptanceTests(RealModelsFixture models)
{
    private const double Beta = RealModelsFixture.OnlineBeta;

    private double Warm => OnlineComparison.WarmThreshold(models.TinyCalibration, models.LargeCalibration, Beta);

    private OnlineRunResult Run(OnlineStream stream, string learner, double epsilon, int seed) =>
        OnlineRun.Run(
            OnlineComparison.Create(learner, Beta, stream.Count, epsilon, seed, Warm), stream,
            new OnlineRunSettings(Beta, FeedbackMode.LargeModelOnly, new ExplorationSchedule(epsilon, (ulong)seed)));

    [Theory]
    [InlineData(42)]
    [InlineData(7)]
    public void ServersLearner_WithLargeModelFeedbackOnly_IsWithinTwoPercentOfTheBestFixedThreshold(int seed)
    {
        var stream = OnlineStream.Shuffled(models.TinyTest, models.LargeTest, seed);
        var probing = new ProbeCounter(HiLcbLite.WarmStarted(Beta, seed, Warm));

        var run = OnlineRun.Run(probing, stream, new OnlineRunSettings(Beta, FeedbackMode.LargeModelOnly, ExplorationSchedule.None));

        var (_, bestCost) = FixedThreshold.Best(stream.Confidence, stream.TinyWrongVsLarge, Beta);
        Assert.Equal(10_000, run.Rounds);
        Assert.Equal(bestCost, run.BestFixedCost, 9);
        Assert.InRange(run.ExcessCostFraction, -0.01, 0.02);
        // Its probes are its exploration offloads (samples above θ it would otherwise keep): ε ≤ 5 % of the kept samples.
        Assert.InRange(probing.Probes, 1, 0.05 * (run.Rounds - (run.Offloads - probing.Probes)));
        Assert.True(run.CumulativeCost < Run(stream, "HIL-F", 0, seed).CumulativeCost, "the server's learner should beat HIL-F without labels");
        Assert.True(run.CumulativeCost < Run(stream, "HI-LCB-lite", 0, seed).CumulativeCost, "warm should beat cold");
    }

    [Fact]
    public void UniformExploration_AtTwoPercent_CostsMoreThanTwoPercentOfTheBestFixedThresholdByItself()
    {
        var stream = OnlineStream.Shuffled(models.TinyTest, models.LargeTest, 42);

        var explored = Run(stream, OnlineComparison.Recommended, 0.02, 42);
        var none = Run(stream, OnlineComparison.Recommended, 0, 42);

        // About 2 % of the ~87 % of samples kept, each paying β = 0.3 instead of a ~3 % chance of a wrong answer.
        Assert.InRange(explored.ExplorationOffloads, 120, 250);
        Assert.True(explored.ExplorationExtraCost > 0.02 * explored.BestFixedCost,
            $"exploration cost {explored.ExplorationExtraCost:0.0} vs best fixed {explored.BestFixedCost:0.0}");
        Assert.True(explored.CumulativeCost > none.CumulativeCost);
    }

    /// <summary>Counts the learner's offloads of samples at or above its θ: its targeted exploration.</summary>
    private sealed class ProbeCounter(IThresholdLearner inner) : IThresholdLearner
    {
        public int Probes { get; private set; }

        public string Name => inner.Name;

        public double CurrentThreshold => inner.CurrentThreshold;

        public OnlineDecision Decide(double confidence)
        {
            var decision = inner.Decide(confidence);
            Probes += decision.Offload && confidence >= decision.Threshold ? 1 : 0;
            return decision;
        }

        public void Observe(RoundFeedback feedback) => inner.Observe(feedback);

        public void Reset() => inner.Reset();
    }
}
