using HiPortal.Core.Data;
using HiPortal.Core.Inference;

namespace HiPortal.Bench;

/// <summary>
/// The server's own ceiling: the same served run with a model that costs next to nothing (models/trivial), so what is
/// left is the request path. A served result is then judged against the lower of two bounds, the raw model at the batch
/// size the server formed and that ceiling at the same configuration and device count.
/// </summary>
public static class BenchCeiling
{
    public const string DefaultModel = "trivial";

    /// <summary>
    /// The ceiling model to serve beside <paramref name="pairs"/> (null when it is one of them, or when
    /// <paramref name="name"/> is <c>none</c> or not in the repository), and its reference for <see cref="Bound"/>.
    /// </summary>
    public static (BenchPair? Extra, string? Reference) Select(string name, List<BenchPair> pairs, LabelledSamples images)
    {
        if (name is "none" or "")
            return (null, null);
        if (pairs.FirstOrDefault(p => p.Large.Name == name || p.Large.Reference == name) is { } measured)
            return (null, measured.Large.Reference);
        if (!ModelLayout.Enumerate(ModelLayout.DefaultRoot).Any(m => m.Name == name.Split('@')[0]) && !Directory.Exists(name))
            return (null, null);
        var extra = BenchModels.Select(name, allPairs: false, images)[0];
        return (extra, extra.Large.Reference);
    }

    /// <summary>Each result with its ratio to min(raw at the formed batch, ceiling at the same config and devices).</summary>
    public static List<ServedResult> Bound(List<ServedResult> served, List<RawResult> raw, string? ceiling) =>
        served.Select(s =>
        {
            // The batch size nearest the one formed; of its raw runs (one or several executions in flight), the faster.
            var rawAt = raw.Where(r => r.Model == s.Model)
                .OrderBy(r => Math.Abs(Math.Log(r.BatchSize) - Math.Log(Math.Max(1, s.MeanBatchSize))))
                .ThenByDescending(r => r.SamplesPerSecond).FirstOrDefault();
            var top = served.FirstOrDefault(c => c.Model == ceiling && c.Config == s.Config && c.Devices == s.Devices);
            var bounds = new List<(double Rate, string Name)>();
            if (rawAt is not null)
                bounds.Add((rawAt.SamplesPerSecond, $"raw batch {rawAt.BatchSize}"));
            if (top is not null)
                bounds.Add((top.SamplesPerSecond, "ceiling"));
            if (bounds.Count == 0)
                return s;
            var (rate, name) = bounds.MinBy(b => b.Rate);
            return s with { BoundRatio = s.SamplesPerSecond / rate, Bound = name };
        }).ToList();
}
