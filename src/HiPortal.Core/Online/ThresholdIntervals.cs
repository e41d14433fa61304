using System.Runtime.InteropServices;

namespace HiPortal.Core.Online;

/// <summary>
/// The threshold space [0, 1] cut at every confidence seen so far, with each piece's cumulative loss and,
/// optionally, its exponential weight |I|·exp(−η·L). Shared by <see cref="HilF"/>, <see cref="HilN"/> and
/// the full-knowledge loss bookkeeping that regret is measured against.
/// </summary>
/// <remarks>
/// Interval j is (lower_j, upper_j]. Every confidence p seen is a breakpoint, so each interval lies wholly
/// at or below p (the device keeps the sample local: loss "tiny wrong") or wholly above it (offload: loss β).
/// A round touches only the shorter side of p: losses are stored relative to a shared offset and weights
/// only matter relative to each other, so the other side's loss goes into the offset and the touched side
/// gets the difference. Weights are cached and multiplied, and recomputed from the losses in the log
/// domain whenever they drift towards overflow or underflow.
/// </remarks>
internal sealed class ThresholdIntervals(double eta, bool trackWeights)
{
    private const double RecomputeAbove = 1e100;
    private const double RecomputeBelow = 1e-100;
    private const double LargestSafeExponent = 50;

    private readonly List<double> _lower = [0.0];
    private readonly List<double> _loss = [0.0];   // cumulative loss minus _lossOffset
    private readonly List<double> _weight = [1.0]; // unnormalised
    private double _lossOffset;

    public int Count => _lower.Count;

    private double Upper(int j) => j + 1 < _lower.Count ? _lower[j + 1] : 1.0;

    /// <summary>Makes <paramref name="p"/> a breakpoint and returns the index of the first interval above it.</summary>
    public int SplitAt(double p)
    {
        if (p >= 1)
            return Count;
        var found = _lower.BinarySearch(p);
        if (found >= 0)
            return found;

        var j = ~found - 1;
        var lower = _lower[j];
        var upper = Upper(j);
        // Both halves keep the parent's loss; its weight is shared in proportion to length.
        var weight = _weight[j];
        _weight[j] = weight * (p - lower) / (upper - lower);
        _lower.Insert(j + 1, p);
        _loss.Insert(j + 1, _loss[j]);
        _weight.Insert(j + 1, weight * (upper - p) / (upper - lower));
        return j + 1;
    }

    /// <summary>Adds a round's losses: <paramref name="lossAtOrBelow"/> to intervals before <paramref name="firstAbove"/>, <paramref name="lossAbove"/> to the rest.</summary>
    public void AddLoss(int firstAbove, double lossAtOrBelow, double lossAbove)
    {
        var prefix = firstAbove <= Count / 2;
        var start = prefix ? 0 : firstAbove;
        var end = prefix ? firstAbove : Count;
        var extra = prefix ? lossAtOrBelow - lossAbove : lossAbove - lossAtOrBelow;
        _lossOffset += prefix ? lossAbove : lossAtOrBelow;

        var loss = CollectionsMarshal.AsSpan(_loss)[start..end];
        foreach (ref var l in loss)
            l += extra;

        if (!trackWeights)
            return;
        if (Math.Abs(eta * extra) > LargestSafeExponent)
        {
            RecomputeWeights();
            return;
        }

        var factor = Math.Exp(-eta * extra);
        var max = 0.0;
        foreach (ref var w in CollectionsMarshal.AsSpan(_weight)[start..end])
        {
            w *= factor;
            max = Math.Max(max, w);
        }

        if (max > RecomputeAbove)
            RecomputeWeights();
    }

    /// <summary>
    /// The weight of thresholds above <paramref name="p"/> (those that offload) as a fraction of
    /// <paramref name="total"/>, the total weight, which <see cref="Sample"/> takes back.
    /// </summary>
    public double MassAbove(double p, out double total)
    {
        var (above, sum) = SumAbove(p);
        if (!(sum >= RecomputeBelow))
        {
            RecomputeWeights();
            (above, sum) = SumAbove(p);
        }

        total = sum;
        return above / sum;
    }

    /// <summary>Draws θ from the weights: an interval by weight, then a uniform point inside it.</summary>
    public double Sample(Random random, double total) => Quantile(random.NextDouble() * total);

    /// <summary>The weighted median of θ.</summary>
    public double Median()
    {
        var total = 0.0;
        foreach (var w in CollectionsMarshal.AsSpan(_weight))
            total += w;
        return Quantile(total / 2);
    }

    /// <summary>The interval with the least cumulative loss (lowest θ on ties: fewer offloads), as its midpoint and loss.</summary>
    public (double Threshold, double Loss) Best()
    {
        var best = ArgMinLoss();
        return ((_lower[best] + Upper(best)) / 2, _loss[best] + _lossOffset);
    }

    /// <summary>Every interval with its loss and its normalised weight, recomputed exactly from the losses.</summary>
    public IReadOnlyList<(double Lower, double Upper, double CumulativeLoss, double Weight)> Snapshot()
    {
        var raw = ExactWeights();
        var total = raw.Sum();
        var result = new (double, double, double, double)[Count];
        for (var j = 0; j < Count; j++)
            result[j] = (_lower[j], Upper(j), _loss[j] + _lossOffset, raw[j] / total);
        return result;
    }

    private (double Above, double Total) SumAbove(double p)
    {
        var lower = CollectionsMarshal.AsSpan(_lower);
        var weight = CollectionsMarshal.AsSpan(_weight);
        double total = 0, above = 0;
        for (var j = 0; j < weight.Length; j++)
        {
            var w = weight[j];
            total += w;
            if (lower[j] >= p)
            {
                above += w;
            }
            else
            {
                var upper = j + 1 < lower.Length ? lower[j + 1] : 1.0;
                if (upper > p)
                    above += w * (upper - p) / (upper - lower[j]);
            }
        }

        return (above, total);
    }

    private double Quantile(double target)
    {
        var weight = CollectionsMarshal.AsSpan(_weight);
        var cumulative = 0.0;
        for (var j = 0; j < weight.Length; j++)
        {
            var w = weight[j];
            if (w > 0 && cumulative + w >= target)
            {
                var fraction = Math.Clamp((target - cumulative) / w, 0, 1);
                return _lower[j] + (fraction * (Upper(j) - _lower[j]));
            }

            cumulative += w;
        }

        return 1.0;
    }

    private int ArgMinLoss()
    {
        var loss = CollectionsMarshal.AsSpan(_loss);
        var best = 0;
        for (var j = 1; j < loss.Length; j++)
        {
            if (loss[j] < loss[best])
                best = j;
        }

        return best;
    }

    /// <summary>|I_j|·exp(−η·(L_j − min L)): the best interval's density is 1, so nothing overflows.</summary>
    private double[] ExactWeights()
    {
        var minLoss = _loss[ArgMinLoss()];
        var raw = new double[Count];
        for (var j = 0; j < Count; j++)
            raw[j] = (Upper(j) - _lower[j]) * Math.Exp(-eta * (_loss[j] - minLoss));
        return raw;
    }

    private void RecomputeWeights()
    {
        var raw = ExactWeights();
        for (var j = 0; j < Count; j++)
            _weight[j] = raw[j];
    }
}
