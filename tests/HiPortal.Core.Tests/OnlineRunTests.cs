using HiPortal.Core.Online;

namespace HiPortal.Core.Tests;

public class OnlineRunTests
{
    [Fact]
    public void ExplorationSchedule_IsReproducibleAndExploresAboutEpsilonOfTheSamples()
    {
        var schedule = new ExplorationSchedule(0.02, Seed: 42);

        var explored = Enumerable.Range(0, 100_000).Count(i => schedule.Explores(i));

        Assert.InRange(explored, 1_900, 2_100); // ±0.1 point: about 2.3 binomial standard deviations
        Assert.All(Enumerable.Range(0, 1_000), i => Assert.Equal(schedule.Explores(i), new ExplorationSchedule(0.02, 42).Explores(i)));
        Assert.NotEqual(
            Enumerable.Range(0, 1_000).Where(i => schedule.Explores(i)),
            Enumerable.Range(0, 1_000).Where(i => new ExplorationSchedule(0.02, 43).Explores(i)));
        Assert.DoesNotContain(Enumerable.Range(0, 10_000), i => ExplorationSchedule.None.Explores(i));
    }

    [Fact]
    public void LargeModelOnly_RevealsOffloadedAndExploredSamplesOnly_AndChargesExplorationBeta()
    {
        var stream = Synthetic(5_000, seed: 1);
        var learner = new FixedThresholdLearner(0.5);
        var settings = new OnlineRunSettings(0.3, FeedbackMode.LargeModelOnly, new ExplorationSchedule(0.05, 9));

        var result = OnlineRun.Run(learner, stream, settings);

        Assert.All(learner.Seen, f => Assert.Equal(f.Offloaded, f.TinyWrong.HasValue));
        Assert.All(learner.Seen.Where(f => f.Explored), f => Assert.True(f.Confidence >= 0.5 && f.Offloaded));
        var kept = stream.Confidence.Count(c => c >= 0.5);
        Assert.InRange(result.ExplorationOffloads, 0.04 * kept, 0.06 * kept);
        var expected = 0.0;
        for (var t = 0; t < stream.Count; t++)
        {
            var offloaded = stream.Confidence[t] < 0.5 || settings.Exploration.Explores(t);
            expected += offloaded ? 0.3 : stream.TinyWrongVsLarge[t] ? 1 : 0;
        }

        Assert.Equal(expected, result.CumulativeCost, 9);
        Assert.Equal(FixedThreshold.Cost(stream.Confidence, stream.TinyWrongVsLarge, 0.3, 0.5) + result.ExplorationExtraCost, result.CumulativeCost, 9);
    }

    [Fact]
    public void Labels_RevealEveryRound()
    {
        var learner = new FixedThresholdLearner(0.5);

        OnlineRun.Run(learner, Synthetic(1_000, seed: 2), new OnlineRunSettings(0.3, FeedbackMode.Labels, ExplorationSchedule.None));

        Assert.All(learner.Seen, f => Assert.True(f.TinyWrong.HasValue));
        Assert.Contains(learner.Seen, f => !f.Offloaded);
    }

    [Fact]
    public void BestFixedThreshold_MatchesABruteForceSearchOverEveryThreshold()
    {
        var stream = Synthetic(2_000, seed: 3);

        var (threshold, cost) = FixedThreshold.Best(stream.Confidence, stream.TinyWrongVsLarge, 0.3);

        var brute = stream.Confidence.Append(0).Append(1.0000001)
            .Min(t => FixedThreshold.Cost(stream.Confidence, stream.TinyWrongVsLarge, 0.3, t));
        Assert.Equal(brute, cost, 9);
        Assert.Equal(cost, FixedThreshold.Cost(stream.Confidence, stream.TinyWrongVsLarge, 0.3, threshold), 9);
    }

    [Fact]
    public void HiLcbLite_WithoutLabels_LearnsTheThresholdWhereTheErrorRateCrossesBeta()
    {
        // P(wrong | c) = 1 − c, so keeping a sample pays iff 1 − c < β = 0.3: the best θ is 0.7.
        var stream = Synthetic(20_000, seed: 4);
        var learner = new HiLcbLite(0.3, seed: 4);

        var result = OnlineRun.Run(learner, stream, new OnlineRunSettings(0.3, FeedbackMode.LargeModelOnly, ExplorationSchedule.None));

        Assert.InRange(learner.CurrentThreshold, 0.62, 0.78);
        Assert.InRange(result.ExcessCostFraction, 0, 0.05);
    }

    [Fact]
    public void HiLcbLite_StartsByOffloadingEverything_AndResetForgets()
    {
        var learner = new HiLcbLite(0.3, seed: 5);
        Assert.Equal(1.0, learner.CurrentThreshold);
        Assert.True(learner.Decide(0.999).Offload);

        OnlineRun.Run(learner, Synthetic(5_000, seed: 5), new OnlineRunSettings(0.3, FeedbackMode.LargeModelOnly, ExplorationSchedule.None));
        Assert.True(learner.CurrentThreshold < 0.9);

        learner.Reset();
        Assert.Equal(1.0, learner.CurrentThreshold);
    }

    [Fact]
    public void EveryLearner_ThroughTheInterface_ResetsToItsPrior()
    {
        IThresholdLearner[] learners = [new HilF(0.3, 0.05, 1), new HilN(0.3, 0.05, 0.02, 1, exploresItself: false), new HiLcbLite(0.3, 1)];
        foreach (var learner in learners)
        {
            var before = learner.CurrentThreshold;
            OnlineRun.Run(learner, Synthetic(3_000, seed: 6), new OnlineRunSettings(0.3, FeedbackMode.LargeModelOnly, new ExplorationSchedule(0.02, 1)));
            Assert.NotEqual(before, learner.CurrentThreshold);

            learner.Reset();

            Assert.Equal(before, learner.CurrentThreshold);
        }
    }

    [Fact]
    public void OffloadBudget_CapsTheOffloadFraction_ExplorationIncluded()
    {
        // Unbounded, HI-LCB-lite offloads about two thirds of this stream (θ near 0.7 on confidences uniform in [0.1, 1]).
        var stream = Synthetic(10_000, seed: 7);
        var settings = new OnlineRunSettings(0.3, FeedbackMode.LargeModelOnly, new ExplorationSchedule(0.02, 7));
        var free = OnlineRun.Run(new HiLcbLite(0.3, 7), stream, settings);
        var capped = new OffloadBudget(new HiLcbLite(0.3, 7), 0.3);

        var result = OnlineRun.Run(capped, stream, settings);

        Assert.True(free.OffloadFraction > 0.5, $"uncapped {free.OffloadFraction:P1}");
        Assert.InRange(result.OffloadFraction, 0.29, 0.3 + (10.0 / stream.Count));
        Assert.True(capped.Refused > 0);
        Assert.True(result.ExplorationOffloads > 0);
    }

    /// <summary>Confidence uniform in [0.1, 1]; the tiny model is wrong with probability 1 − confidence.</summary>
    internal static OnlineStream Synthetic(int count, int seed, double shift = 0)
    {
        var random = new Random(seed);
        var confidence = new double[count];
        var wrong = new bool[count];
        for (var t = 0; t < count; t++)
        {
            confidence[t] = Math.Clamp(0.1 + (0.9 * random.NextDouble()) - shift, 0, 1);
            wrong[t] = random.NextDouble() < 1 - confidence[t];
        }

        return OnlineStream.FromArrays(confidence, wrong);
    }

    /// <summary>Offloads iff confidence &lt; θ and records what each round revealed.</summary>
    private sealed class FixedThresholdLearner(double threshold) : IThresholdLearner
    {
        public List<RoundFeedback> Seen { get; } = [];

        public string Name => "fixed";

        public double CurrentThreshold => threshold;

        public OnlineDecision Decide(double confidence) => new(confidence < threshold, confidence < threshold ? 1 : 0, threshold);

        public void Observe(RoundFeedback feedback) => Seen.Add(feedback);

        public void Reset() => Seen.Clear();
    }
}
