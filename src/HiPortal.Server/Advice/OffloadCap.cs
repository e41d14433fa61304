namespace HiPortal.Server.Advice;

/// <summary>
/// A fleet's offload budget (<c>MaxOffloadFraction</c>) as a ceiling on θ. The rule offloads exactly the samples whose
/// confidence is below θ, and the server stores each of them, so over a period in which the devices reported
/// <c>samples</c> samples, the sorted confidences of the rule's (non-exploration) offloads say how many a lower θ
/// would have sent: at most cap × samples means θ no higher than the confidence of offload number cap × samples.
/// Core's <c>OffloadBudget</c> enforces the same cap per round where the learner decides each sample itself.
/// </summary>
public static class OffloadCap
{
    /// <param name="ruleConfidences">Local confidences of the rule's offloads over the period (any order).</param>
    /// <param name="samples">Samples the devices reported over the same period.</param>
    /// <param name="maxOffloadFraction">The fleet's cap.</param>
    /// <param name="exploration">ε: exploration offloads spend the budget too, ε of every kept sample.</param>
    /// <returns>The highest θ within the cap, or null when today's offloads are within it (no ceiling known).</returns>
    public static double? MaxThreshold(IReadOnlyCollection<double> ruleConfidences, long samples, double maxOffloadFraction, double exploration)
    {
        if (samples <= 0)
        {
            return null;
        }

        // Offloads f·n by the rule plus ε·(1 − f)·n by exploration stay within cap·n when f ≤ (cap − ε) / (1 − ε).
        var ruleShare = exploration < 1 ? Math.Max(0, (maxOffloadFraction - exploration) / (1 - exploration)) : 0;
        var allowed = (long)Math.Floor(ruleShare * samples);
        if (allowed >= ruleConfidences.Count)
        {
            return null;
        }

        var sorted = ruleConfidences.Order().ToArray();
        return sorted[(int)allowed];
    }
}
