namespace HiPortal.Core.Calibration;

/// <summary>
/// What offloading every sample whose local confidence is below <see cref="Threshold"/> gives on a data set:
/// the fraction offloaded and the end-to-end accuracy (large model on offloaded samples, tiny model elsewhere).
/// </summary>
public sealed record TradeoffPoint(double Threshold, double OffloadFraction, double Accuracy)
{
    /// <summary>Expected cost per sample when an offload costs <paramref name="beta"/> and a wrong answer costs 1.</summary>
    public double ExpectedCost(double beta) => (beta * OffloadFraction) + (1 - Accuracy);
}
