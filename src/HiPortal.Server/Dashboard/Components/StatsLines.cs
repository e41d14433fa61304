using HiPortal.Server.Stats;

namespace HiPortal.Server.Dashboard.Components;

/// <summary>The lines the overview and the device page draw from a stats series: one figure, or HI against its alternatives.</summary>
public static class StatsLines
{
    public static ChartLine Of(string name, IReadOnlyList<StatsBucket> buckets, Func<StatsBucket, double?> pick, double scale = 1) =>
        new(name, buckets.Select(b => (b.BucketStart, pick(b) * scale)).ToList());

    public static ChartLine Count(string name, IReadOnlyList<StatsBucket> buckets, Func<StatsBucket, long> pick) =>
        new(name, buckets.Select(b => (b.BucketStart, (double?)pick(b))).ToList());

    public static IReadOnlyList<ChartLine> Latency(IReadOnlyList<StatsBucket> buckets) =>
        [Of("HI", buckets, b => b.LatencyHiMs), Of("full offload", buckets, b => b.LatencyFullOffloadMs), Of("local only", buckets, b => b.LatencyLocalOnlyMs)];

    public static IReadOnlyList<ChartLine> Energy(IReadOnlyList<StatsBucket> buckets) =>
    [
        Of("HI", buckets, b => b.EnergyHiMillijoules), Of("full offload", buckets, b => b.EnergyFullOffloadMillijoules),
        Of("local only", buckets, b => b.EnergyLocalOnlyMillijoules),
    ];

    // Local only sends nothing; full offload sends one model input per sample.
    public static IReadOnlyList<ChartLine> BytesPerSample(IReadOnlyList<StatsBucket> buckets) =>
    [
        Of("HI", buckets, b => b.Samples > 0 ? (double)b.BytesSent / b.Samples : null),
        Of("full offload", buckets, b => b.Samples > 0 ? (double)b.BytesFullOffload / b.Samples : null),
        Of("local only", buckets, b => b.Samples > 0 ? 0.0 : null),
    ];
}
