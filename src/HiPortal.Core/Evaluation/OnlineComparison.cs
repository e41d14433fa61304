using HiPortal.Core.Online;

namespace HiPortal.Core.Evaluation;

/// <summary>Every learner on the same stream, under each feedback mode and exploration rate.</summary>
public sealed record OnlineComparisonReport(
    int Rounds,
    double Beta,
    int Seed,
    string Recommended,
    IReadOnlyList<OnlineRunResult> Runs);

/// <summary>
/// <c>hiportal evaluate --online</c>: HIL-F, HIL-N and HI-LCB-lite on one shuffled stream, with labels or with the
/// large model's answers only, and ε ∈ {0, 2 %, 5 %} exploration offloads.
/// </summary>
public static class OnlineComparison
{
    /// <summary>
    /// The learner the server uses (Advice/FleetLearners): HI-LCB-lite warm-started at a θ chosen without labels, on the
    /// calibration split against the large model, as a fleet starts from its configured θ.
    /// </summary>
    public const string Recommended = "HI-LCB-lite, warm";

    public static IReadOnlyList<double> Epsilons { get; } = [0, 0.02, 0.05];

    public static IReadOnlyList<string> Learners { get; } = ["HIL-F", "HIL-N", "HI-LCB-lite", Recommended];

    /// <summary>θ₀ with no labels: the best fixed θ on the calibration split, "wrong" meaning "differs from the large model".</summary>
    public static double WarmThreshold(ModelOutputs tinyCalibration, ModelOutputs largeCalibration, double beta)
    {
        var calibration = OnlineStream.From(tinyCalibration, largeCalibration);
        return FixedThreshold.Best(calibration.Confidence, calibration.TinyWrongVsLarge, beta).Threshold;
    }

    public static IThresholdLearner Create(string learner, double beta, int horizon, double epsilon, int seed, double warmThreshold = 1) => learner switch
    {
        "HIL-F" => new HilF(beta, HilF.DefaultEta(horizon), seed),
        // Exploration offloads come from the schedule; HIL-N only needs ε to weight what they reveal.
        "HIL-N" => new HilN(beta, HilN.DefaultEta(horizon), epsilon, seed, exploresItself: false),
        "HI-LCB-lite" => new HiLcbLite(beta, seed),
        Recommended => HiLcbLite.WarmStarted(beta, seed, warmThreshold),
        _ => throw new ArgumentException($"unknown learner '{learner}' (one of {string.Join(", ", Learners)})", nameof(learner)),
    };

    public static OnlineComparisonReport Run(OnlineStream stream, double beta, int seed, Action<string>? progress = null, double warmThreshold = 1)
    {
        var runs = new List<OnlineRunResult>();
        foreach (var mode in new[] { FeedbackMode.LargeModelOnly, FeedbackMode.Labels })
        {
            foreach (var epsilon in Epsilons)
            {
                foreach (var name in Learners)
                {
                    var learner = Create(name, beta, stream.Count, epsilon, seed, warmThreshold);
                    var settings = new OnlineRunSettings(beta, mode, new ExplorationSchedule(epsilon, (ulong)seed));
                    // The run is named for the configuration: two HI-LCB-lite runs (cold, warm) share the learner's own name.
                    runs.Add(OnlineRun.Run(learner, stream, settings) with { Learner = name });
                    progress?.Invoke($"{name}, {mode}, ε = {epsilon:P0}");
                }
            }
        }

        return new OnlineComparisonReport(stream.Count, beta, seed, Recommended, runs);
    }
}
