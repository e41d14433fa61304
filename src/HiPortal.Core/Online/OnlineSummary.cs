namespace HiPortal.Core.Online;

/// <summary>A snapshot of an online learner's cost and regret, for telemetry and the CLI.</summary>
/// <param name="Rounds">Rounds completed.</param>
/// <param name="CumulativeCost">Realised cost: β per offload, 1 per wrong local answer.</param>
/// <param name="ExpectedCumulativeCost">Cost in expectation over the learner's own randomisation.</param>
/// <param name="BestFixedThreshold">A threshold that would have cost least over the same rounds (midpoint of the best interval).</param>
/// <param name="BestFixedCost">That threshold's cost over the same rounds.</param>
/// <param name="Regret">CumulativeCost − BestFixedCost.</param>
/// <param name="RegretPerRound">Regret / Rounds (0 before the first round).</param>
/// <param name="CurrentThreshold">The weighted median of the learner's threshold distribution.</param>
public sealed record OnlineSummary(
    int Rounds,
    double CumulativeCost,
    double ExpectedCumulativeCost,
    double BestFixedThreshold,
    double BestFixedCost,
    double Regret,
    double RegretPerRound,
    double CurrentThreshold);
