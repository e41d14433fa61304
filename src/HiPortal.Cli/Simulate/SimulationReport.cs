using HiPortal.DeviceSdk;

namespace HiPortal.Cli.Simulate;

/// <summary>What the fleet measured end to end.</summary>
public sealed record FleetFigures(
    int Samples,
    int Refused,
    int Offloaded,
    double OffloadFraction,
    int AnsweredDirectly,
    int AnsweredAfterBuffering,
    int Unanswered,
    double HiAccuracy,
    double TinyAccuracy,
    long BytesSent,
    long BytesFullOffload,
    double BandwidthSavedFraction,
    double LatencyP50Ms,
    double LatencyP99Ms,
    double OffloadLatencyP50Ms,
    double OffloadLatencyP99Ms,
    double RoundTripP50Ms,
    double RoundTripP99Ms,
    double? RoundTripP99AfterFirst10SecondsMs,
    double SamplesPerSecond,
    IReadOnlyList<RoundTripSecond> RoundTripBySecond);

/// <summary>The answered offloads that finished in one second of the run: where in the run a tail comes from.</summary>
public sealed record RoundTripSecond(int Second, int Offloads, double P50Ms, double P99Ms, double MaxMs);

/// <summary>The same samples, replayed offline with the same rule.</summary>
public sealed record OfflineFigures(
    int Samples,
    double TinyAccuracy,
    double LargeAccuracy,
    double HiAccuracy,
    double OffloadFraction,
    int DecisionMismatches,
    int AnswerMismatches);

/// <summary>The device SDKs' own counters, summed over the fleet.</summary>
public sealed record SdkTotals(long Retries, long Buffered, long Dropped, long Drained, long Replayed, long TelemetrySent,
    long TelemetryFailed, long ConfigurationsApplied, long ConfigurationsRejected);

public sealed record SimulationReport(
    string Server,
    int Devices,
    double RatePerDevice,
    double Seconds,
    string Drift,
    string FleetName,
    int Seed,
    FleetFigures Fleet,
    OfflineFigures Offline,
    OfflineFigures? OfflineWithoutDrift,
    IReadOnlyDictionary<string, long> Errors,
    SdkTotals Sdk)
{
    public static SimulationReport Build(SimulationSettings settings, TimeSpan elapsed, IReadOnlyList<SampleRecord> records,
        ReplayedSample[] offline, ReplayedSample[]? clean, IReadOnlyList<DeviceStatistics> statistics, int sampleBytes)
    {
        var errors = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (kind, count) in statistics.SelectMany(s => s.Errors))
            errors[$"request:{kind}"] = errors.GetValueOrDefault($"request:{kind}") + count;
        foreach (var group in records.Where(r => r.Error is not null).GroupBy(r => r.Error!))
            errors[$"sample:{group.Key}"] = group.Count();
        var sdk = new SdkTotals(statistics.Sum(s => s.Retries), statistics.Sum(s => s.Buffered), statistics.Sum(s => s.Dropped),
            statistics.Sum(s => s.Drained), statistics.Sum(s => s.Replayed), statistics.Sum(s => s.TelemetrySent),
            statistics.Sum(s => s.TelemetryFailed), statistics.Sum(s => s.ConfigurationsApplied), statistics.Sum(s => s.ConfigurationsRejected));
        return new SimulationReport(settings.Server.ToString(), settings.Devices, settings.Rate, elapsed.TotalSeconds,
            settings.Drift.ToString().ToLowerInvariant(), settings.Fleet, settings.Seed,
            FleetOf(records, elapsed, statistics.Sum(s => s.BytesSent), sampleBytes),
            OfflineOf(records, offline), clean is null ? null : OfflineOf(records, clean), errors, sdk);
    }

    /// <param name="bytes">Sample bytes the SDKs sent, retries and drained buffers included.</param>
    /// <param name="sampleBytes">One sample in the tiny model's wire datatype: what sending everything would cost.</param>
    private static FleetFigures FleetOf(IReadOnlyList<SampleRecord> records, TimeSpan elapsed, long bytes, int sampleBytes)
    {
        var decided = records.Where(r => r.Decided).ToList();
        var offloaded = decided.Where(r => r.Offloaded).ToList();
        var full = (long)decided.Count * sampleBytes;
        double[] Sorted(IEnumerable<double> values) => values.Order().ToArray();
        var latency = Sorted(decided.Select(r => r.LatencyMs));
        var offloadLatency = Sorted(offloaded.Where(r => !r.Buffered).Select(r => r.LatencyMs));
        var answered = offloaded.Where(r => r.RoundTripMs is not null).ToList();
        var rtt = Sorted(answered.Select(r => r.RoundTripMs!.Value));
        // Past a fresh server's first seconds (connections, JIT): the steady state, beside the whole run's figure.
        var late = Sorted(answered.Where(r => r.AtSeconds >= 10).Select(r => r.RoundTripMs!.Value));
        var series = answered.GroupBy(r => (int)r.AtSeconds).OrderBy(g => g.Key).Select(g =>
        {
            var values = Sorted(g.Select(r => r.RoundTripMs!.Value));
            return new RoundTripSecond(g.Key, values.Length, Percentile.Of(values, 0.5), Percentile.Of(values, 0.99), values[^1]);
        }).ToList();
        return new FleetFigures(
            decided.Count, records.Count - decided.Count, offloaded.Count, Ratio(offloaded.Count, decided.Count),
            offloaded.Count(r => !r.Buffered && r.ServerClass is not null), offloaded.Count(r => r.Buffered && r.ServerClass is not null),
            offloaded.Count(r => r.ServerClass is null), Ratio(decided.Count(r => r.FinalClass == r.Label), decided.Count),
            Ratio(decided.Count(r => r.LocalClass == r.Label), decided.Count), bytes, full, full == 0 ? 0 : 1 - ((double)bytes / full),
            Percentile.Of(latency, 0.5), Percentile.Of(latency, 0.99), Percentile.Of(offloadLatency, 0.5),
            Percentile.Of(offloadLatency, 0.99), Percentile.Of(rtt, 0.5), Percentile.Of(rtt, 0.99),
            late.Length == 0 ? null : Percentile.Of(late, 0.99),
            records.Count / Math.Max(elapsed.TotalSeconds, 1e-9), series);
    }

    private static OfflineFigures OfflineOf(IReadOnlyList<SampleRecord> records, ReplayedSample[] replayed)
    {
        var indices = Enumerable.Range(0, records.Count).Where(i => records[i].Decided).ToList();
        int Count(Func<int, bool> predicate) => indices.Count(predicate);
        return new OfflineFigures(
            indices.Count,
            Ratio(Count(i => replayed[i].TinyClass == records[i].Label), indices.Count),
            Ratio(Count(i => replayed[i].LargeClass == records[i].Label), indices.Count),
            Ratio(Count(i => replayed[i].HiClass == records[i].Label), indices.Count),
            Ratio(Count(i => replayed[i].Offload), indices.Count),
            Count(i => replayed[i].Offload != records[i].Offloaded),
            // Only samples the fleet has an answer for: an unanswered offload falls back to the tiny model by design.
            Count(i => (!records[i].Offloaded || records[i].ServerClass is not null) && replayed[i].HiClass != records[i].FinalClass));
    }

    private static double Ratio(int part, int whole) => whole == 0 ? 0 : (double)part / whole;
}
