namespace HiPortal.Core.Calibration;

/// <summary>
/// The accuracy/offload trade-off of one offload rule on a labelled calibration set, for every threshold θ
/// that changes which samples are offloaded (offload iff score &lt; θ).
/// </summary>
public sealed class TradeoffCurve
{
    // Tolerance for comparing accuracies (ratios of counts) with a target typed in by a person.
    private const double AccuracyTolerance = 1e-12;

    private readonly double[] _sortedScores;
    private readonly int[] _largeCorrectBelow; // [k]: large-model hits among the k lowest scores
    private readonly int[] _tinyCorrectBelow;  // [k]: tiny-model hits among the k lowest scores

    private TradeoffCurve(double[] sortedScores, int[] largeCorrectBelow, int[] tinyCorrectBelow, TradeoffPoint[] points)
    {
        _sortedScores = sortedScores;
        _largeCorrectBelow = largeCorrectBelow;
        _tinyCorrectBelow = tinyCorrectBelow;
        Points = points;
    }

    public int Count => _sortedScores.Length;

    /// <summary>Accuracy when nothing is offloaded.</summary>
    public double TinyAccuracy => (double)_tinyCorrectBelow[Count] / Count;

    /// <summary>Accuracy when everything is offloaded.</summary>
    public double LargeAccuracy => (double)_largeCorrectBelow[Count] / Count;

    /// <summary>One point per distinct outcome, from nothing offloaded to everything offloaded, by offload fraction.</summary>
    public IReadOnlyList<TradeoffPoint> Points { get; }

    /// <summary>Builds the curve in O(N log N).</summary>
    /// <param name="scores">The rule's local confidence per sample (finite).</param>
    /// <param name="tinyCorrect">Whether the tiny model got each sample right.</param>
    /// <param name="largeCorrect">Whether the large model got each sample right.</param>
    public static TradeoffCurve Build(IReadOnlyList<double> scores, IReadOnlyList<bool> tinyCorrect, IReadOnlyList<bool> largeCorrect)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(tinyCorrect);
        ArgumentNullException.ThrowIfNull(largeCorrect);
        var n = scores.Count;
        if (n == 0)
            throw new ArgumentException("A trade-off curve needs at least one sample.", nameof(scores));
        if (tinyCorrect.Count != n || largeCorrect.Count != n)
            throw new ArgumentException(
                $"Lengths differ: {n} scores, {tinyCorrect.Count} tiny outcomes, {largeCorrect.Count} large outcomes.");

        var sorted = new double[n];
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            if (!double.IsFinite(scores[i]))
                throw new ArgumentException($"Score {i} is {scores[i]}; scores must be finite.", nameof(scores));
            sorted[i] = scores[i];
            order[i] = i;
        }

        // Unstable sort is fine: prefix counts are only read at boundaries between distinct scores.
        Array.Sort(sorted, order);

        var largeBelow = new int[n + 1];
        var tinyBelow = new int[n + 1];
        for (var k = 0; k < n; k++)
        {
            largeBelow[k + 1] = largeBelow[k] + (largeCorrect[order[k]] ? 1 : 0);
            tinyBelow[k + 1] = tinyBelow[k] + (tinyCorrect[order[k]] ? 1 : 0);
        }

        var points = new List<TradeoffPoint> { Point(Math.Min(0, sorted[0]), 0, n, largeBelow, tinyBelow) };
        for (var k = 0; k < n;)
        {
            var end = k + 1;
            while (end < n && sorted[end] == sorted[k])
                end++;
            // θ = next distinct score makes "score < θ" offload exactly the samples with score ≤ sorted[k].
            var threshold = end < n ? sorted[end] : Math.BitIncrement(sorted[k]);
            points.Add(Point(threshold, end, n, largeBelow, tinyBelow));
            k = end;
        }

        return new TradeoffCurve(sorted, largeBelow, tinyBelow, [.. points]);
    }

    /// <summary>The outcome of offloading iff score &lt; <paramref name="threshold"/>, e.g. a calibration θ applied to a test set.</summary>
    public TradeoffPoint Evaluate(double threshold)
    {
        if (double.IsNaN(threshold))
            throw new ArgumentException("The threshold is NaN.", nameof(threshold));
        return Point(threshold, CountBelow(threshold), Count, _largeCorrectBelow, _tinyCorrectBelow);
    }

    /// <summary>The point with the least offloading that reaches <paramref name="target"/> accuracy, else the most accurate point.</summary>
    public TradeoffPoint ChooseForTargetAccuracy(double target)
    {
        foreach (var point in Points)
        {
            if (point.Accuracy >= target - AccuracyTolerance)
                return point;
        }

        return MostAccurate(Points);
    }

    /// <summary>The most accurate point offloading at most <paramref name="maxOffloadFraction"/>; ties go to less offloading.</summary>
    public TradeoffPoint ChooseForOffloadBudget(double maxOffloadFraction)
    {
        if (!(maxOffloadFraction >= 0 && maxOffloadFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(maxOffloadFraction), maxOffloadFraction, "The offload budget must lie in [0, 1].");
        return MostAccurate(Points.Where(p => p.OffloadFraction <= maxOffloadFraction));
    }

    /// <summary>
    /// The point minimising β·offload fraction + (1 − accuracy): an offload costs <paramref name="beta"/>,
    /// a wrong answer costs 1. Ties go to less offloading.
    /// </summary>
    public TradeoffPoint ChooseForMinimumCost(double beta)
    {
        if (!(beta >= 0) || !double.IsFinite(beta))
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "The offload cost must be a finite number ≥ 0.");

        var best = Points[0];
        foreach (var point in Points)
        {
            if (point.ExpectedCost(beta) < best.ExpectedCost(beta))
                best = point;
        }

        return best;
    }

    private static TradeoffPoint MostAccurate(IEnumerable<TradeoffPoint> points)
    {
        // Points are sorted by offload fraction, so keeping the first maximum prefers less offloading.
        TradeoffPoint? best = null;
        foreach (var point in points)
        {
            if (best is null || point.Accuracy > best.Accuracy)
                best = point;
        }

        return best!;
    }

    private static TradeoffPoint Point(double threshold, int offloaded, int n, int[] largeBelow, int[] tinyBelow)
    {
        var correct = largeBelow[offloaded] + (tinyBelow[n] - tinyBelow[offloaded]);
        return new TradeoffPoint(threshold, (double)offloaded / n, (double)correct / n);
    }

    /// <summary>How many scores are strictly below <paramref name="threshold"/> (binary search).</summary>
    private int CountBelow(double threshold)
    {
        int lo = 0, hi = _sortedScores.Length;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) / 2);
            if (_sortedScores[mid] < threshold)
                lo = mid + 1;
            else
                hi = mid;
        }

        return lo;
    }
}
