namespace HiPortal.Core.Online;

/// <summary>
/// HIL-F (arXiv 2304.00891): learns the offload threshold online with full feedback, i.e. whether the tiny
/// model was wrong is known after every round (e.g. from the large model's answer standing in for the label).
/// </summary>
/// <remarks>
/// Exponential weights over thresholds θ ∈ [0, 1]: the loss of a fixed θ is piecewise constant with a
/// breakpoint at each confidence seen, so the learner keeps one weight per interval between confidences.
/// A round is <see cref="Decide"/> then <see cref="Observe"/>, or <see cref="Step"/> for both. State grows by
/// one interval per distinct confidence, and a round costs O(intervals). Not thread-safe.
/// </remarks>
public sealed class HilF : IThresholdLearner
{
    private ThresholdIntervals _intervals;
    private CostLedger _ledger;
    private readonly Random _random;
    private (double Confidence, OnlineDecision Decision)? _open;

    /// <param name="beta">Cost of an offload relative to a wrong answer (which costs 1), in [0, 1].</param>
    /// <param name="eta">Learning rate; see <see cref="DefaultEta"/>.</param>
    /// <param name="seed">Seed for drawing thresholds, so runs are reproducible.</param>
    public HilF(double beta, double eta, int seed)
    {
        CostLedger.ValidateBeta(beta);
        CostLedger.ValidateEta(eta);
        Beta = beta;
        Eta = eta;
        _intervals = new ThresholdIntervals(eta, trackWeights: true);
        _ledger = new CostLedger(beta);
        _random = new Random(seed);
    }

    public double Beta { get; }

    public double Eta { get; }

    /// <summary>
    /// η = sqrt(8·ln(T + 1) / T), the Hedge rate for losses in [0, 1] with the expert count replaced by T + 1
    /// (at most T + 1 intervals after T rounds).
    /// </summary>
    public static double DefaultEta(int horizon)
    {
        if (horizon < 1)
            throw new ArgumentOutOfRangeException(nameof(horizon), horizon, "The horizon must be at least one round.");
        return Math.Sqrt(8 * Math.Log(horizon + 1.0) / horizon);
    }

    public int Rounds => _ledger.Rounds;

    public double CumulativeCost => _ledger.CumulativeCost;

    public double ExpectedCumulativeCost => _ledger.ExpectedCumulativeCost;

    /// <summary>min over θ of the cumulative loss; with full feedback the learner's losses are the true ones.</summary>
    public double BestFixedThresholdCost => _intervals.Best().Loss;

    public double BestFixedThreshold => _intervals.Best().Threshold;

    public double Regret => CumulativeCost - BestFixedThresholdCost;

    public double RegretPerRound => Rounds == 0 ? 0 : Regret / Rounds;

    /// <summary>The weighted median of the threshold distribution: a single θ to hand to devices that do not randomise.</summary>
    public double CurrentThreshold => _intervals.Median();

    /// <summary>The intervals (Lower, Upper], their cumulative losses and normalised weights (summing to 1).</summary>
    public IReadOnlyList<(double Lower, double Upper, double CumulativeLoss, double Weight)> Intervals => _intervals.Snapshot();

    /// <summary>Opens a round: draws θ and offloads iff <paramref name="confidence"/> &lt; θ. A new call replaces an unobserved round.</summary>
    public OnlineDecision Decide(double confidence)
    {
        CostLedger.ValidateConfidence(confidence);
        var offloadProbability = _intervals.MassAbove(confidence, out var total);
        var threshold = _intervals.Sample(_random, total);
        var decision = new OnlineDecision(confidence < threshold, offloadProbability, threshold);
        _open = (confidence, decision);
        return decision;
    }

    /// <summary>Closes the round opened by <see cref="Decide"/>: charges its cost and updates every threshold's loss.</summary>
    public void Observe(double confidence, bool tinyWrong)
    {
        if (_open is not { } open)
            throw new InvalidOperationException("No open round: call Decide before Observe.");
        if (open.Confidence != confidence)
            throw new InvalidOperationException($"The open round is for confidence {open.Confidence}, not {confidence}.");

        _open = null;
        _ledger.Record(open.Decision, tinyWrong);
        var firstAbove = _intervals.SplitAt(confidence);
        _intervals.AddLoss(firstAbove, tinyWrong ? 1 : 0, Beta);
    }

    /// <summary>One simulated round: <see cref="Decide"/> then <see cref="Observe"/>.</summary>
    public OnlineDecision Step(double confidence, bool tinyWrong)
    {
        var decision = Decide(confidence);
        Observe(confidence, tinyWrong);
        return decision;
    }

    public string Name => "HIL-F";

    /// <summary>
    /// Through <see cref="IThresholdLearner"/>: a judged round updates every threshold as in <see cref="Observe(double, bool)"/>;
    /// an unjudged one (no local label) is skipped, so without labels HIL-F learns only from what it offloaded, a biased
    /// view kept as a baseline.
    /// </summary>
    void IThresholdLearner.Observe(RoundFeedback feedback)
    {
        if (feedback.TinyWrong is { } wrong)
            Observe(feedback.Confidence, wrong);
        else
            _open = null;
    }

    public void Reset()
    {
        _intervals = new ThresholdIntervals(Eta, trackWeights: true);
        _ledger = new CostLedger(Beta);
        _open = null;
    }

    public OnlineSummary Summary() => new(
        Rounds, CumulativeCost, ExpectedCumulativeCost, BestFixedThreshold, BestFixedThresholdCost,
        Regret, RegretPerRound, CurrentThreshold);
}
