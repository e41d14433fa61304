namespace HiPortal.Core.Online;

/// <summary>Running realised and expected cost of an online learner's decisions.</summary>
internal sealed class CostLedger(double beta)
{
    public int Rounds { get; private set; }

    public double CumulativeCost { get; private set; }

    public double ExpectedCumulativeCost { get; private set; }

    public void Record(OnlineDecision decision, bool tinyWrong)
    {
        var localCost = tinyWrong ? 1.0 : 0.0;
        Rounds++;
        CumulativeCost += decision.Offload ? beta : localCost;
        ExpectedCumulativeCost += (decision.OffloadProbability * beta) + ((1 - decision.OffloadProbability) * localCost);
    }

    internal static void ValidateConfidence(double confidence)
    {
        if (!(confidence >= 0 && confidence <= 1))
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "The confidence must lie in [0, 1].");
    }

    internal static void ValidateBeta(double beta)
    {
        // Costs are relative to a wrong answer (cost 1); above 1 offloading never pays, and the default η assumes losses in [0, 1].
        if (!(beta >= 0 && beta <= 1))
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "The offload cost β must lie in [0, 1].");
    }

    internal static void ValidateEta(double eta)
    {
        if (!(eta > 0) || !double.IsFinite(eta))
            throw new ArgumentOutOfRangeException(nameof(eta), eta, "The learning rate η must be a positive finite number.");
    }
}
