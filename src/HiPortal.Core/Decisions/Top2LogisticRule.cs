namespace HiPortal.Core.Decisions;

/// <summary>
/// Estimates P(tiny model is correct) as s = sigmoid(Bias + W1·p1 + W2·p2) from the two largest class
/// probabilities, and offloads when s is below <see cref="Cut"/>.
/// </summary>
/// <remarks>
/// The runner-up probability tells apart "0.6 vs 0.39" (a coin flip between two classes) from
/// "0.6 vs 0.05" (one plausible class), which max-softmax alone cannot.
/// </remarks>
public sealed record Top2LogisticRule(double Bias, double W1, double W2, double Cut = 0.5) : IOffloadRule
{
    public double Bias { get; } = RequireFinite(Bias, nameof(Bias));

    public double W1 { get; } = RequireFinite(W1, nameof(W1));

    public double W2 { get; } = RequireFinite(W2, nameof(W2));

    public double Cut { get; } = Cut is >= 0 and <= 1
        ? Cut
        : throw new ArgumentOutOfRangeException(nameof(Cut), Cut, "The top2-lr cut must lie in [0, 1].");

    public string Name => OffloadRules.Top2Logistic;

    /// <summary>The coefficients in configuration order: [Bias, W1, W2].</summary>
    public double[] Coefficients => [Bias, W1, W2];

    public bool ShouldOffload(ReadOnlySpan<float> probabilities) => Score(probabilities) < Cut;

    public double Score(ReadOnlySpan<float> probabilities)
    {
        var top = Probabilities.Top2(probabilities);
        return Score(top.P1, top.P2);
    }

    /// <summary>The estimated probability that the tiny model is correct, from precomputed top-2 probabilities.</summary>
    public double Score(double p1, double p2) => Sigmoid(Bias + (W1 * p1) + (W2 * p2));

    /// <summary>
    /// Fits the coefficients by Newton's method (IRLS) on the mean log-loss plus <paramref name="l2"/>/2·‖(Bias, W1, W2)‖².
    /// </summary>
    /// <remarks>
    /// The bias is penalised too so that a calibration set where the tiny model is always (or never) right
    /// still gives finite coefficients. Deterministic: the same data always gives the same rule.
    /// </remarks>
    public static Top2LogisticRule Fit(
        IReadOnlyList<(float P1, float P2)> features,
        IReadOnlyList<bool> tinyCorrect,
        double l2 = 1e-3,
        double cut = 0.5)
    {
        var (bias, w1, w2) = Top2LogisticFit.Run(features, tinyCorrect, l2);
        return new Top2LogisticRule(bias, w1, w2, cut);
    }

    internal static double Sigmoid(double z)
    {
        // Two branches so that exp never overflows for large |z|.
        if (z >= 0)
            return 1.0 / (1.0 + Math.Exp(-z));
        var e = Math.Exp(z);
        return e / (1.0 + e);
    }

    private static double RequireFinite(double value, string name) => double.IsFinite(value)
        ? value
        : throw new ArgumentOutOfRangeException(name, value, $"The top2-lr coefficient {name} must be a finite number.");
}
