namespace HiPortal.Core.Decisions;

/// <summary>Builds an <see cref="IOffloadRule"/> from configuration: a rule name, a threshold and optional coefficients.</summary>
public static class OffloadRules
{
    public const string MaxSoftmax = "max-softmax";
    public const string Top2Logistic = "top2-lr";

    /// <summary>Every name <see cref="Create"/> accepts, for validating configuration up front.</summary>
    public static IReadOnlyList<string> KnownNames { get; } = [MaxSoftmax, Top2Logistic];

    /// <summary>True when <paramref name="name"/> names a rule (case-insensitive).</summary>
    public static bool IsKnown(string? name) =>
        name is not null && KnownNames.Any(known => string.Equals(known, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Creates the named rule. For max-softmax, <paramref name="threshold"/> is the probability threshold and
    /// <paramref name="coefficients"/> is ignored; for top2-lr, it is the cut on the estimated probability of a
    /// correct local answer and <paramref name="coefficients"/> must be [bias, w1, w2].
    /// </summary>
    public static IOffloadRule Create(string name, double threshold, double[]? coefficients)
    {
        if (string.Equals(name, MaxSoftmax, StringComparison.OrdinalIgnoreCase))
            return new MaxSoftmaxRule(threshold);

        if (string.Equals(name, Top2Logistic, StringComparison.OrdinalIgnoreCase))
        {
            if (coefficients is not { Length: 3 })
            {
                var got = coefficients is null ? "none" : coefficients.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
                throw new ArgumentException(
                    $"Rule '{Top2Logistic}' needs 3 coefficients [bias, w1, w2]; got {got}.", nameof(coefficients));
            }

            return new Top2LogisticRule(coefficients[0], coefficients[1], coefficients[2], threshold);
        }

        throw new ArgumentException(
            $"Unknown offload rule '{name}'; known rules: {string.Join(", ", KnownNames)}.", nameof(name));
    }
}
