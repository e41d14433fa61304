using HiPortal.Core.Calibration;
using HiPortal.Server.Advice;
using HiPortal.Server.Ingest;
using HiPortal.Server.Models;
using HiPortal.Server.Persistence;
using HiPortal.Server.Stats;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Dashboard;

/// <summary>A stored decision as the dashboard shows it: class indexes with the names the answering model's card gives them.</summary>
public sealed record DecisionRow(long Id, DateTimeOffset ReceivedAt, string DeviceId, string Fleet, string SampleId, int LocalClass,
    double LocalConfidence, int ServerClass, double ServerConfidence, bool Agrees, int? Label, int BatchSize, double QueueMs, double InferenceMs,
    string Model)
{
    public string LocalName { get; init; } = "";

    public string ServerName { get; init; } = "";

    public string? LabelName { get; init; }
}

public sealed record DecisionFilter(string? Fleet, string? DeviceId, bool? Agrees, DateTimeOffset? From, DateTimeOffset? To);

/// <summary>
/// The reads only the dashboard makes, one DbContext per call (components live long; contexts must not). Reads the
/// API also answers are not here: pages call the same query classes as the endpoints (DeviceQueries, FleetQueries,
/// AuditQueries, StatsQueries).
/// </summary>
public sealed class DashboardData(IDbContextFactory<HiPortalDb> dbFactory, StatsQueries stats, ThresholdAdvisor advisor, ClassNames classNames,
    DeviceHistory history, TimeProvider time)
{
    /// <summary>Bins of the confidence histogram: 0.05 wide over [0, 1].</summary>
    public const int HistogramBins = 20;

    public Task<StatsSeries> SeriesAsync(StatsScope scope, TimeSpan range, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var bucket = range <= TimeSpan.FromMinutes(5) ? 10 : range <= TimeSpan.FromHours(1) ? 60 : 900;
        StatsWindow.TryCreate(now - range, now, bucket, out var window);
        return stats.SeriesAsync(scope, window!, cancellationToken);
    }

    public async Task<List<DecisionRow>> DecisionsAsync(DecisionFilter filter, int skip, int take, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await (await FilteredAsync(db, history, filter, cancellationToken)).OrderByDescending(d => d.Id).Skip(skip).Take(take)
            .Select(d => new
            {
                Row = new DecisionRow(d.Id, DateTimeOffset.FromUnixTimeMilliseconds(d.ReceivedAtMs), d.DeviceId, d.Fleet, d.SampleId,
                    d.LocalClass, d.LocalConfidence, d.ServerClass, d.ServerConfidence, d.Agrees, d.Label, d.BatchSize,
                    d.QueueMicros / 1000.0, d.InferenceMicros / 1000.0, d.ModelName + "@" + d.ModelVersion),
                d.ModelName,
                d.ModelVersion,
            })
            .ToListAsync(cancellationToken);
        return rows.Select(r =>
        {
            var names = classNames.Of(r.ModelName, r.ModelVersion);
            return r.Row with
            {
                LocalName = ClassNames.Name(names, r.Row.LocalClass),
                ServerName = ClassNames.Name(names, r.Row.ServerClass),
                LabelName = r.Row.Label is { } label ? ClassNames.Name(names, label) : null,
            };
        }).ToList();
    }

    /// <summary>Local class against the large model's over the last <paramref name="range"/> (SQL aggregate in StatsQueries).</summary>
    public async Task<IReadOnlyList<ConfusionMatrix>> ConfusionAsync(StatsScope scope, TimeSpan range, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var matrices = await stats.ConfusionAsync(scope, now - range, now, cancellationToken);
        return matrices.Select(m => m with { ClassNames = classNames.Of(m.Model, m.Version) }).ToList();
    }

    public async Task<int> DecisionCountAsync(DecisionFilter filter, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (filter is { DeviceId: { Length: > 0 } id, Fleet: null or "", Agrees: null })
        {
            // A device's count (its page's pager), from the device index alone.
            return await history.CountAsync(db, id, filter.From?.ToUnixTimeMilliseconds(), filter.To?.ToUnixTimeMilliseconds(),
                cancellationToken);
        }

        return await (await FilteredAsync(db, history, filter, cancellationToken)).CountAsync(cancellationToken);
    }

    /// <summary>Local confidence of a fleet's or device's offloads, in <see cref="HistogramBins"/> bins over [0, 1] (counted by the database).</summary>
    public async Task<int[]> ConfidenceHistogramAsync(string? fleet, string? deviceId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var bins = await (await FilteredAsync(db, history, new DecisionFilter(fleet, deviceId, null, null, null), cancellationToken))
            .GroupBy(d => (int)(d.LocalConfidence * HistogramBins))
            .Select(g => new { Bin = g.Key, Count = g.Count() })
            .ToListAsync(cancellationToken);
        var histogram = new int[HistogramBins];
        foreach (var bin in bins)
        {
            histogram[Math.Clamp(bin.Bin, 0, HistogramBins - 1)] += bin.Count;
        }

        return histogram;
    }

    public Task<ThresholdAdvice?> AdviceAsync(string? fleet, string? deviceId, CancellationToken cancellationToken) =>
        advisor.AdviseAsync(fleet, deviceId, 0.3, 1.0, cancellationToken);

    /// <summary>Accuracy against offloaded share on a fleet's or device's labelled offloads (the recent window).</summary>
    public async Task<IReadOnlyList<TradeoffPoint>> TradeoffAsync(string? fleet, string? deviceId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await (await FilteredAsync(db, history, new DecisionFilter(fleet, deviceId, null, null, null), cancellationToken))
            .Where(d => d.Label != null)
            .OrderByDescending(d => d.Id).Take(ThresholdAdvisor.Window)
            .Select(d => new { d.LocalConfidence, Local = d.LocalClass == d.Label, Server = d.ServerClass == d.Label })
            .ToListAsync(cancellationToken);
        return rows.Count == 0 ? [] : TradeoffCurve.Build(rows.Select(r => r.LocalConfidence).ToList(),
            rows.Select(r => r.Local).ToList(), rows.Select(r => r.Server).ToList()).Points;
    }

    /// <summary>The curve's point for θ: today's θ applied to the same labelled offloads.</summary>
    public static TradeoffPoint? OperatingPoint(IReadOnlyList<TradeoffPoint> curve, double threshold) =>
        curve.LastOrDefault(p => p.Threshold <= threshold) ?? (curve.Count > 0 ? curve[0] : null);

    /// <summary>The decisions <paramref name="filter"/> selects; a device filter first brings the device index up to date.</summary>
    internal static async Task<IQueryable<Decision>> FilteredAsync(HiPortalDb db, DeviceHistory history, DecisionFilter filter,
        CancellationToken cancellationToken)
    {
        var query = db.Decisions.AsNoTracking();
        var fromMs = filter.From?.ToUnixTimeMilliseconds();
        var toMs = filter.To?.ToUnixTimeMilliseconds();
        query = filter.Fleet is { Length: > 0 } f ? query.Where(d => d.Fleet == f) : query;
        query = filter.DeviceId is { Length: > 0 } id ? await history.OfAsync(db, query, id, fromMs, toMs, cancellationToken) : query;

        query = filter.Agrees is { } agrees ? query.Where(d => d.Agrees == agrees) : query;
        query = fromMs is { } from ? query.Where(d => d.ReceivedAtMs >= from) : query;
        query = toMs is { } to ? query.Where(d => d.ReceivedAtMs < to) : query;
        return query;
    }
}
