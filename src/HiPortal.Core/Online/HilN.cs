namespace HiPortal.Core.Online;

/// <summary>
/// HIL-N (arXiv 2304.00891): learns the offload threshold when whether the tiny model was wrong is only
/// revealed for offloaded samples (the large model's answer is the only reference the device gets).
/// </summary>
/// <remarks>
/// Same interval structure as <see cref="HilF"/>. To keep learning about "keep local" thresholds, the device
/// also offloads at random with probability ε, so a sample is offloaded with probability P = ε + (1 − ε)·q,
/// q being the weight of thresholds above its confidence. After each round, thresholds that would have
/// offloaded are charged β (always known); thresholds that would have kept the sample local are charged
/// wrong/P when it was offloaded and 0 when it was not, an unbiased estimate of their loss. A local round
/// therefore teaches the learner only that offloading would have cost β.
/// Cost and regret need the truth for local rounds too, so they are accumulated by <see cref="Step"/>
/// (simulation) and measured against the best fixed θ with full knowledge. Not thread-safe.
/// </remarks>
public sealed class HilN : IThresholdLearner
{
    private ThresholdIntervals _estimated;
    private ThresholdIntervals _truth = new(0, trackWeights: false);
    private CostLedger _ledger;
    private readonly Random _random;
    private (double Confidence, OnlineDecision Decision)? _open;

    /// <param name="beta">Cost of an offload relative to a wrong answer (which costs 1), in [0, 1].</param>
    /// <param name="eta">Learning rate; see <see cref="DefaultEta"/>.</param>
    /// <param name="epsilon">Probability of an exploratory offload, in [0, 1]; see <see cref="DefaultEpsilon"/>.</param>
    /// <param name="seed">Seed for exploration and threshold draws.</param>
    /// <param name="exploresItself">
    /// False when exploration offloads are made outside the learner (an <see cref="ExplorationSchedule"/> with the same ε):
    /// <see cref="Decide"/> then never explores, but offload probabilities still count ε.
    /// </param>
    public HilN(double beta, double eta, double epsilon, int seed, bool exploresItself = true)
    {
        CostLedger.ValidateBeta(beta);
        CostLedger.ValidateEta(eta);
        if (!(epsilon >= 0 && epsilon <= 1))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "The exploration probability ε must lie in [0, 1].");
        Beta = beta;
        Eta = eta;
        Epsilon = epsilon;
        ExploresItself = exploresItself;
        _estimated = new ThresholdIntervals(eta, trackWeights: true);
        _ledger = new CostLedger(beta);
        _random = new Random(seed);
    }

    public double Beta { get; }

    public double Eta { get; }

    public double Epsilon { get; }

    public bool ExploresItself { get; }

    public string Name => "HIL-N";

    /// <summary>ε = min(1, 1/sqrt(T)): 0.01 at 10,000 rounds.</summary>
    /// <remarks>
    /// Each exploratory offload of a sample the tiny model would have got right costs β, so ε is kept small.
    /// The worst-case-optimal ε ~ T^(−1/3) (with η ~ sqrt(ε·ln T / T)) explores and learns too slowly at
    /// 10^4 rounds: on Fashion-MNIST and on a synthetic stream at β = 0.3 it gave 0.015–0.02 regret per
    /// round against 0.006 for these defaults.
    /// </remarks>
    public static double DefaultEpsilon(int horizon)
    {
        if (horizon < 1)
            throw new ArgumentOutOfRangeException(nameof(horizon), horizon, "The horizon must be at least one round.");
        return Math.Min(1, 1 / Math.Sqrt(horizon));
    }

    /// <summary>The same rate as <see cref="HilF.DefaultEta"/>; see <see cref="DefaultEpsilon"/> for why.</summary>
    public static double DefaultEta(int horizon) => HilF.DefaultEta(horizon);

    /// <summary>Rounds closed by <see cref="Observe"/> or <see cref="Step"/>.</summary>
    public int Rounds { get; private set; }

    /// <summary>Realised cost over the rounds run with <see cref="Step"/>.</summary>
    public double CumulativeCost => _ledger.CumulativeCost;

    public double ExpectedCumulativeCost => _ledger.ExpectedCumulativeCost;

    /// <summary>The true cost of the best fixed θ over the rounds run with <see cref="Step"/>.</summary>
    public double BestFixedThresholdCost => _truth.Best().Loss;

    public double BestFixedThreshold => _truth.Best().Threshold;

    public double Regret => CumulativeCost - BestFixedThresholdCost;

    public double RegretPerRound => _ledger.Rounds == 0 ? 0 : Regret / _ledger.Rounds;

    /// <summary>The weighted median of the threshold distribution.</summary>
    public double CurrentThreshold => _estimated.Median();

    /// <summary>The intervals with their estimated cumulative losses and normalised weights.</summary>
    public IReadOnlyList<(double Lower, double Upper, double CumulativeLoss, double Weight)> Intervals => _estimated.Snapshot();

    /// <summary>Opens a round: offloads with probability ε, else iff <paramref name="confidence"/> &lt; a drawn θ.</summary>
    public OnlineDecision Decide(double confidence)
    {
        CostLedger.ValidateConfidence(confidence);
        var q = _estimated.MassAbove(confidence, out var total);
        var threshold = _estimated.Sample(_random, total);
        var explore = ExploresItself && _random.NextDouble() < Epsilon;
        var decision = new OnlineDecision(explore || confidence < threshold, Epsilon + ((1 - Epsilon) * q), threshold);
        _open = (confidence, decision);
        return decision;
    }

    /// <summary>
    /// Closes the round opened by <see cref="Decide"/>. <paramref name="revealedTinyWrong"/> is the large model's
    /// verdict on the tiny answer when the sample was offloaded, and must be null when it was kept local.
    /// </summary>
    public void Observe(double confidence, bool? revealedTinyWrong)
    {
        if (_open is not { } open)
            throw new InvalidOperationException("No open round: call Decide before Observe.");
        if (open.Confidence != confidence)
            throw new InvalidOperationException($"The open round is for confidence {open.Confidence}, not {confidence}.");
        if (open.Decision.Offload != revealedTinyWrong.HasValue)
        {
            throw new ArgumentException(open.Decision.Offload
                ? "The sample was offloaded: pass whether the tiny model was wrong."
                : "The sample was kept local: nothing is revealed, pass null.", nameof(revealedTinyWrong));
        }

        _open = null;
        Update(confidence, open.Decision.OffloadProbability, revealedTinyWrong);
    }

    /// <summary>
    /// Through <see cref="IThresholdLearner"/>: only offloaded rounds (the learner's or exploration offloads) are judged,
    /// weighted by 1/P; a label on a kept sample is ignored, HIL-N being the learner for feedback without local labels.
    /// </summary>
    void IThresholdLearner.Observe(RoundFeedback feedback)
    {
        if (_open is not { } open || open.Confidence != feedback.Confidence)
            throw new InvalidOperationException("No open round for this confidence: call Decide before Observe.");
        _open = null;
        Update(feedback.Confidence, open.Decision.OffloadProbability, feedback.Offloaded ? feedback.TinyWrong : null);
    }

    public void Reset()
    {
        _estimated = new ThresholdIntervals(Eta, trackWeights: true);
        _truth = new ThresholdIntervals(0, trackWeights: false);
        _ledger = new CostLedger(Beta);
        _open = null;
        Rounds = 0;
    }

    private void Update(double confidence, double offloadProbability, bool? revealedTinyWrong)
    {
        Rounds++;
        var localLossEstimate = revealedTinyWrong == true && offloadProbability > 0 ? 1 / offloadProbability : 0;
        var firstAbove = _estimated.SplitAt(confidence);
        _estimated.AddLoss(firstAbove, localLossEstimate, Beta);
    }

    /// <summary>
    /// One simulated round. <paramref name="tinyWrong"/> reaches the learner only if the sample is offloaded;
    /// it is also used, as ground truth, for cost and regret.
    /// </summary>
    public OnlineDecision Step(double confidence, bool tinyWrong)
    {
        var decision = Decide(confidence);
        Observe(confidence, decision.Offload ? tinyWrong : null);
        _ledger.Record(decision, tinyWrong);
        _truth.AddLoss(_truth.SplitAt(confidence), tinyWrong ? 1 : 0, Beta);
        return decision;
    }

    public OnlineSummary Summary() => new(
        _ledger.Rounds, CumulativeCost, ExpectedCumulativeCost, BestFixedThreshold, BestFixedThresholdCost,
        Regret, RegretPerRound, CurrentThreshold);
}
