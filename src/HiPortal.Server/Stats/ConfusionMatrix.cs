namespace HiPortal.Server.Stats;

/// <summary>
/// Offloaded samples counted by the tiny model's class (rows) and the large model's answer (columns), for one model
/// version that answered. Only classes that occur are listed, so a model with a thousand classes stays readable.
/// </summary>
public sealed record ConfusionMatrix(string Model, string Version, IReadOnlyList<int> LocalClasses, IReadOnlyList<int> ServerClasses,
    IReadOnlyDictionary<(int Local, int Server), long> Counts)
{
    /// <summary>The answering model's class names (from its card), for display; empty when unknown.</summary>
    public IReadOnlyList<string> ClassNames { get; init; } = [];

    public long Total => Counts.Values.Sum();

    /// <summary>Offloads where both models named the same class.</summary>
    public long Agreements => Counts.Where(kv => kv.Key.Local == kv.Key.Server).Sum(kv => kv.Value);

    public long this[int local, int server] => Counts.GetValueOrDefault((local, server));

    internal static IReadOnlyList<ConfusionMatrix> From(IEnumerable<ConfusionRow> rows) =>
        rows.GroupBy(r => (r.ModelName, r.ModelVersion)).OrderBy(g => g.Key.ModelName, StringComparer.Ordinal).ThenBy(g => g.Key.ModelVersion, StringComparer.Ordinal)
            .Select(g => new ConfusionMatrix(g.Key.ModelName, g.Key.ModelVersion,
                g.Select(r => r.LocalClass).Distinct().Order().ToList(), g.Select(r => r.ServerClass).Distinct().Order().ToList(),
                g.ToDictionary(r => (r.LocalClass, r.ServerClass), r => (long)r.Count)))
            .ToList();
}

/// <summary>A row of the confusion aggregate (TOTAL() is a REAL, so the count arrives as a double).</summary>
internal sealed class ConfusionRow
{
    public required string ModelName { get; init; }

    public required string ModelVersion { get; init; }

    public int LocalClass { get; init; }

    public int ServerClass { get; init; }

    public double Count { get; init; }
}
