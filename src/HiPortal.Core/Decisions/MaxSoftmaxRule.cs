namespace HiPortal.Core.Decisions;

/// <summary>Offloads when the tiny model's top class probability is below <see cref="Threshold"/>.</summary>
public sealed record MaxSoftmaxRule(double Threshold) : IOffloadRule
{
    public double Threshold { get; } = Threshold is >= 0 and <= 1
        ? Threshold
        : throw new ArgumentOutOfRangeException(nameof(Threshold), Threshold, "The max-softmax threshold must lie in [0, 1].");

    public string Name => OffloadRules.MaxSoftmax;

    public bool ShouldOffload(ReadOnlySpan<float> probabilities) => Score(probabilities) < Threshold;

    public double Score(ReadOnlySpan<float> probabilities) => Probabilities.Top2(probabilities).P1;
}
