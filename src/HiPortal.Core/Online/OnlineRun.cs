using System.Text.Json.Serialization;
using HiPortal.Core.Drift;

namespace HiPortal.Core.Online;

/// <summary>How a stream is fed to a learner.</summary>
/// <param name="Beta">Offload cost relative to a wrong answer.</param>
/// <param name="Feedback">What a round reveals (and which truth "wrong" means: the label or the large model).</param>
/// <param name="Exploration">Exploration offloads of samples the learner would keep.</param>
/// <param name="Checkpoints">Points on the cost and regret curves.</param>
public sealed record OnlineRunSettings(double Beta, FeedbackMode Feedback, ExplorationSchedule Exploration, int Checkpoints = 50);

/// <summary>A point on the curves: cumulative cost so far, and the best fixed θ's cost over the same prefix.</summary>
public sealed record CostCheckpoint(int Rounds, double CumulativeCost, double BestFixedCost)
{
    public double Regret => CumulativeCost - BestFixedCost;
}

public sealed record OnlineRunResult(
    string Learner,
    FeedbackMode Feedback,
    double Epsilon,
    int Rounds,
    double CumulativeCost,
    double BestFixedThreshold,
    double BestFixedCost,
    double FinalThreshold,
    int Offloads,
    int ExplorationOffloads,
    double ExplorationExtraCost,
    double Accuracy,
    IReadOnlyList<int> DriftAlarms,
    IReadOnlyList<CostCheckpoint> Curve,
    [property: JsonIgnore] double[] RoundCosts)
{
    public double Regret => CumulativeCost - BestFixedCost;

    /// <summary>Cumulative cost over the best fixed θ's, minus one: 0.02 is "within 2 %".</summary>
    public double ExcessCostFraction => BestFixedCost > 0 ? (CumulativeCost / BestFixedCost) - 1 : 0;

    public double OffloadFraction => Rounds == 0 ? 0 : (double)Offloads / Rounds;

    /// <summary>The learner's cost over rounds [start, start + length).</summary>
    public double CostOver(int start, int length) => RoundCosts.AsSpan(start, length).ToArray().Sum();
}

/// <summary>
/// Streams samples through a learner as a deployment would: the learner decides, the exploration schedule may offload
/// a sample it would keep, and the round reveals what <see cref="OnlineRunSettings.Feedback"/> allows. Cost is β per
/// offload (exploration included) and 1 per wrong kept answer, "wrong" by the feedback's truth. A drift detector, if
/// given, watches every confidence; on an alarm the learner is <see cref="IThresholdLearner.Reset"/> and the detector
/// restarts.
/// </summary>
public static class OnlineRun
{
    public static OnlineRunResult Run(IThresholdLearner learner, OnlineStream stream, OnlineRunSettings settings,
        ConfidenceCusum? detector = null)
    {
        var wrong = stream.TinyWrong(settings.Feedback);
        var beta = settings.Beta;
        var costs = new double[stream.Count];
        var alarms = new List<int>();
        var curve = new List<CostCheckpoint>();
        var every = Math.Max(1, stream.Count / Math.Max(1, settings.Checkpoints));
        int offloads = 0, explorations = 0, correct = 0;
        double cumulative = 0, explorationExtra = 0;
        for (var t = 0; t < stream.Count; t++)
        {
            var confidence = stream.Confidence[t];
            var decision = learner.Decide(confidence);
            var explored = !decision.Offload && settings.Exploration.Explores(t);
            var offloaded = decision.Offload || explored;
            bool? revealed = offloaded || settings.Feedback == FeedbackMode.Labels ? wrong[t] : null;
            learner.Observe(new RoundFeedback(confidence, offloaded, explored, revealed));

            costs[t] = offloaded ? beta : wrong[t] ? 1 : 0;
            cumulative += costs[t];
            offloads += offloaded ? 1 : 0;
            explorations += explored ? 1 : 0;
            explorationExtra += explored ? beta - (wrong[t] ? 1 : 0) : 0;
            correct += (offloaded ? !stream.LargeWrong[t] : !stream.TinyWrongVsLabel[t]) ? 1 : 0;

            if (detector?.Observe(confidence) == true)
            {
                alarms.Add(t);
                learner.Reset();
                detector.Restart();
            }

            if ((t + 1) % every == 0 || t == stream.Count - 1)
            {
                var best = FixedThreshold.Best(stream.Confidence.AsSpan(0, t + 1), wrong.AsSpan(0, t + 1), beta);
                curve.Add(new CostCheckpoint(t + 1, cumulative, best.Cost));
            }
        }

        var (bestThreshold, bestCost) = FixedThreshold.Best(stream.Confidence, wrong, beta);
        return new OnlineRunResult(learner.Name, settings.Feedback, settings.Exploration.Epsilon, stream.Count, cumulative,
            bestThreshold, bestCost, learner.CurrentThreshold, offloads, explorations, explorationExtra,
            stream.Count == 0 ? 0 : (double)correct / stream.Count, alarms, curve, costs);
    }
}
