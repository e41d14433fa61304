namespace HiPortal.Core.Online;

/// <summary>
/// A fleet's offload cap around any learner: once offloads so far would exceed <see cref="MaxOffloadFraction"/> of the
/// rounds (plus <see cref="Burst"/> offloads of slack), an offload the learner asks for is refused and the sample is
/// kept. Every offload the learner is told of counts, exploration offloads included; those are not refused, so a fleet
/// keeps ε below its cap. A refused sample reveals nothing, so the learner learns only from what it could send.
/// </summary>
public sealed class OffloadBudget(IThresholdLearner inner, double maxOffloadFraction, int burst = 10) : IThresholdLearner
{
    private long _rounds;
    private long _offloads;

    public double MaxOffloadFraction { get; } = maxOffloadFraction is >= 0 and <= 1
        ? maxOffloadFraction
        : throw new ArgumentOutOfRangeException(nameof(maxOffloadFraction), maxOffloadFraction, "The cap must lie in [0, 1].");

    public int Burst { get; } = burst >= 0 ? burst : throw new ArgumentOutOfRangeException(nameof(burst));

    /// <summary>Offloads the cap refused.</summary>
    public long Refused { get; private set; }

    public string Name => $"{inner.Name}, ≤ {MaxOffloadFraction:P0} offloaded";

    public double CurrentThreshold => inner.CurrentThreshold;

    public OnlineDecision Decide(double confidence)
    {
        var decision = inner.Decide(confidence);
        if (!decision.Offload || _offloads + 1 <= (MaxOffloadFraction * (_rounds + 1)) + Burst)
            return decision;
        Refused++;
        return decision with { Offload = false };
    }

    public void Observe(RoundFeedback feedback)
    {
        _rounds++;
        _offloads += feedback.Offloaded ? 1 : 0;
        inner.Observe(feedback);
    }

    public void Reset()
    {
        (_rounds, _offloads, Refused) = (0, 0, 0);
        inner.Reset();
    }
}
