using HiPortal.Core.Decisions;
using HiPortal.Core.Evaluation;

namespace HiPortal.Cli.Tests;

/// <summary>
/// The max-softmax trade-off recomputed plainly in the test (no <c>TradeoffCurve</c>): offload iff the tiny
/// model's top probability is below θ; an offloaded sample is answered by the large model.
/// </summary>
internal sealed class HandCurve
{
    private readonly (double Score, bool TinyCorrect, bool LargeCorrect)[] _samples;

    private HandCurve((double, bool, bool)[] samples) => _samples = samples;

    public int Count => _samples.Length;

    public int LargeCorrect => _samples.Count(s => s.LargeCorrect);

    public static HandCurve Of(ModelOutputs tiny, ModelOutputs large) => new(
        [.. Enumerable.Range(0, tiny.Count).Select(i =>
            ((double)Probabilities.Top2(tiny.ProbabilitiesOf(i)).P1, tiny.Correct(i), large.Correct(i)))]);

    /// <summary>The outcome of one threshold, by a linear scan.</summary>
    public Cut At(double threshold)
    {
        int offloaded = 0, correct = 0;
        foreach (var (score, tinyCorrect, largeCorrect) in _samples)
        {
            var offload = score < threshold;
            offloaded += offload ? 1 : 0;
            correct += (offload ? largeCorrect : tinyCorrect) ? 1 : 0;
        }

        return new Cut(offloaded, correct, Count);
    }

    /// <summary>Every outcome a threshold can give: offloading the k lowest scores, k at each change of score, and all.</summary>
    public IEnumerable<Cut> Cuts()
    {
        var sorted = _samples.OrderBy(s => s.Score).ToArray();
        var correct = _samples.Count(s => s.TinyCorrect);
        for (var k = 0; k < sorted.Length; k++)
        {
            if (k == 0 || sorted[k].Score != sorted[k - 1].Score)
            {
                yield return new Cut(k, correct, Count);
            }

            correct += (sorted[k].LargeCorrect ? 1 : 0) - (sorted[k].TinyCorrect ? 1 : 0);
        }

        yield return new Cut(sorted.Length, correct, Count);
    }

    internal readonly record struct Cut(int Offloaded, int Correct, int Count)
    {
        public double OffloadFraction => (double)Offloaded / Count;

        public double Accuracy => (double)Correct / Count;

        /// <summary>Cost per sample when an offload costs β and a wrong answer 1.</summary>
        public double Cost(double beta) => ((beta * Offloaded) + (Count - Correct)) / Count;
    }
}
