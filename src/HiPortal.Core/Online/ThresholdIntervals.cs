namespace HiPortal.Core.Online;

/// <summary>
/// The threshold space [0, 1] cut at every confidence seen so far, with each piece's cumulative loss and,
/// optionally, its exponential weight |I|·exp(−η·L). Shared by <see cref="HilF"/>, <see cref="HilN"/> and
/// the full-knowledge loss bookkeeping that regret is measured against.
/// </summary>
/// <remarks>
/// Interval j is (lower_j, upper_j]. Every confidence p seen is a breakpoint, so each interval lies wholly
/// at or below p (the device keeps the sample local: loss "tiny wrong") or wholly above it (offload: loss β).
/// Weights are cached unnormalised and multiplied each round rather than recomputed with exp from L, which
/// keeps a round at a few multiplications per interval; they are rescaled by the largest weight so they
/// never underflow as losses grow.
/// </remarks>
internal sealed class ThresholdIntervals(double eta, bool trackWeights)
{
    private const double RescaleBelow = 1e-100;

    private readonly List<double> _lower = [0.0];
    private readonly List<double> _loss = [0.0];
    private readonly List<double> _weight = [1.0];

    public int Count => _lower.Count;

    public double Upper(int j) => j + 1 < _lower.Count ? _lower[j + 1] : 1.0;

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
        for (var j = 0; j < Count; j++)
            _loss[j] += j < firstAbove ? lossAtOrBelow : lossAbove;

        if (!trackWeights)
            return;

        var factorBelow = Math.Exp(-eta * lossAtOrBelow);
        var factorAbove = Math.Exp(-eta * lossAbove);
        var max = 0.0;
        for (var j = 0; j < Count; j++)
        {
            _weight[j] *= j < firstAbove ? factorBelow : factorAbove;
            max = Math.Max(max, _weight[j] / (Upper(j) - _lower[j]));
        }

        if (max < RescaleBelow)
        {
            for (var j = 0; j < Count; j++)
                _weight[j] /= max;
        }
    }

    /// <summary>The probability that a θ drawn from the weights exceeds <paramref name="p"/>, i.e. that the device offloads.</summary>
    public double MassAbove(double p)
    {
        var total = 0.0;
        var above = 0.0;
        for (var j = 0; j < Count; j++)
        {
            var w = _weight[j];
            total += w;
            var lower = _lower[j];
            var upper = Upper(j);
            if (lower >= p)
                above += w;
            else if (upper > p)
                above += w * (upper - p) / (upper - lower);
        }

        return above / total;
    }

    /// <summary>Draws θ from the weights: an interval by weight, then a uniform point inside it.</summary>
    public double Sample(Random random)
    {
        var target = random.NextDouble() * TotalWeight();
        return Quantile(target);
    }

    /// <summary>The weighted median of θ.</summary>
    public double Median() => Quantile(TotalWeight() / 2);

    /// <summary>The interval with the least cumulative loss (lowest θ on ties: fewer offloads), as its midpoint and loss.</summary>
    public (double Threshold, double Loss) Best()
    {
        var best = 0;
        for (var j = 1; j < Count; j++)
        {
            if (_loss[j] < _loss[best])
                best = j;
        }

        return ((_lower[best] + Upper(best)) / 2, _loss[best]);
    }

    /// <summary>Every interval with its loss and its normalised weight, recomputed exactly from the losses.</summary>
    public IReadOnlyList<(double Lower, double Upper, double CumulativeLoss, double Weight)> Snapshot()
    {
        var minLoss = Best().Loss;
        var raw = new double[Count];
        var total = 0.0;
        for (var j = 0; j < Count; j++)
        {
            raw[j] = (Upper(j) - _lower[j]) * Math.Exp(-eta * (_loss[j] - minLoss));
            total += raw[j];
        }

        var result = new (double, double, double, double)[Count];
        for (var j = 0; j < Count; j++)
            result[j] = (_lower[j], Upper(j), _loss[j], raw[j] / total);
        return result;
    }

    private double TotalWeight()
    {
        var total = 0.0;
        foreach (var w in _weight)
            total += w;
        return total;
    }

    private double Quantile(double target)
    {
        var cumulative = 0.0;
        for (var j = 0; j < Count; j++)
        {
            var w = _weight[j];
            if (w > 0 && cumulative + w >= target)
            {
                var fraction = Math.Clamp((target - cumulative) / w, 0, 1);
                return _lower[j] + (fraction * (Upper(j) - _lower[j]));
            }

            cumulative += w;
        }

        return 1.0;
    }
}
