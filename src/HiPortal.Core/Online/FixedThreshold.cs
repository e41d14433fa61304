namespace HiPortal.Core.Online;

/// <summary>The best fixed θ in hindsight: what online regret is measured against.</summary>
public static class FixedThreshold
{
    /// <summary>
    /// min over θ ∈ [0, 1] of β·#{confidence &lt; θ} + #{confidence ≥ θ and wrong}, and a θ that reaches it (the
    /// midpoint between the confidences it separates; the lowest such θ on ties).
    /// </summary>
    public static (double Threshold, double Cost) Best(ReadOnlySpan<double> confidence, ReadOnlySpan<bool> wrong, double beta)
    {
        var order = new int[confidence.Length];
        for (var i = 0; i < order.Length; i++)
            order[i] = i;
        var keys = confidence.ToArray();
        Array.Sort(keys, order);

        var cost = 0.0;
        foreach (var w in wrong)
            cost += w ? 1 : 0;
        var (bestCost, bestThreshold) = (cost, 0.0);
        for (var j = 0; j < keys.Length;)
        {
            // Move every sample of this confidence to the offload side at once: θ just above it.
            var c = keys[j];
            for (; j < keys.Length && keys[j] == c; j++)
                cost += beta - (wrong[order[j]] ? 1 : 0);
            if (cost < bestCost - 1e-9)
            {
                var next = j < keys.Length ? keys[j] : 1.0;
                (bestCost, bestThreshold) = (cost, next > c ? (c + next) / 2 : 1.0);
            }
        }

        return (bestThreshold, bestCost);
    }

    /// <summary>The cost of one fixed θ over a stream.</summary>
    public static double Cost(ReadOnlySpan<double> confidence, ReadOnlySpan<bool> wrong, double beta, double threshold)
    {
        var cost = 0.0;
        for (var i = 0; i < confidence.Length; i++)
            cost += confidence[i] < threshold ? beta : wrong[i] ? 1 : 0;
        return cost;
    }
}
