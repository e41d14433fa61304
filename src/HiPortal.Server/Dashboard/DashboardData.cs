using HiPortal.Core.Calibration;
using HiPortal.Server.Advice;
using HiPortal.Server.Ingest;
using HiPortal.Server.Persistence;
using HiPortal.Server.Stats;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Dashboard;

public sealed record DecisionRow(long Id, DateTimeOffset ReceivedAt, string DeviceId, string Fleet, string SampleId, int LocalClass,
    double LocalConfidence, int ServerClass, double ServerConfidence, bool Agrees, int? Label, int BatchSize, double QueueMs, double InferenceMs);

public sealed record DecisionFilter(string? Fleet, string? DeviceId, bool? Agrees, DateTimeOffset? From, DateTimeOffset? To);

/// <summary>
/// The reads only the dashboard makes, one DbContext per call (components live long; contexts must not). Reads the
/// API also answers are not here: pages call the same query classes as the endpoints (DeviceQueries, FleetQueries,
/// AuditQueries, StatsQueries).
/// </summary>
public sealed class DashboardData(IDbContextFactory<HiPortalDb> dbFactory, StatsQueries stats, ThresholdAdvisor advisor, TimeProvider time)
{
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
        return await Filtered(db, filter).OrderByDescending(d => d.Id).Skip(skip).Take(take)
            .Select(d => new DecisionRow(d.Id, DateTimeOffset.FromUnixTimeMilliseconds(d.ReceivedAtMs), d.DeviceId, d.Fleet, d.SampleId,
                d.LocalClass, d.LocalConfidence, d.ServerClass, d.ServerConfidence, d.Agrees, d.Label, d.BatchSize,
                d.QueueMicros / 1000.0, d.InferenceMicros / 1000.0))
            .ToListAsync(cancellationToken);
    }

    public async Task<int> DecisionCountAsync(DecisionFilter filter, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await Filtered(db, filter).CountAsync(cancellationToken);
    }

    /// <summary>Local confidence of a device's recent offloads, in 20 bins over [0, 1] (counted by SQLite).</summary>
    public async Task<int[]> ConfidenceHistogramAsync(string deviceId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var bins = await db.Decisions.AsNoTracking().Where(d => d.DeviceId == deviceId)
            .GroupBy(d => (int)(d.LocalConfidence * 20))
            .Select(g => new { Bin = g.Key, Count = g.Count() })
            .ToListAsync(cancellationToken);
        var histogram = new int[20];
        foreach (var bin in bins)
        {
            histogram[Math.Clamp(bin.Bin, 0, 19)] += bin.Count;
        }

        return histogram;
    }

    public Task<ThresholdAdvice?> AdviceAsync(string? fleet, string? deviceId, CancellationToken cancellationToken) =>
        advisor.AdviseAsync(fleet, deviceId, 0.3, 1.0, cancellationToken);

    /// <summary>Accuracy against offloaded share on a device's labelled offloads (the recent window).</summary>
    public async Task<IReadOnlyList<TradeoffPoint>> TradeoffAsync(string deviceId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.Decisions.AsNoTracking().Where(d => d.DeviceId == deviceId && d.Label != null)
            .OrderByDescending(d => d.Id).Take(ThresholdAdvisor.Window)
            .Select(d => new { d.LocalConfidence, Local = d.LocalClass == d.Label, Server = d.ServerClass == d.Label })
            .ToListAsync(cancellationToken);
        return rows.Count == 0 ? [] : TradeoffCurve.Build(rows.Select(r => r.LocalConfidence).ToList(),
            rows.Select(r => r.Local).ToList(), rows.Select(r => r.Server).ToList()).Points;
    }

    internal static IQueryable<Decision> Filtered(HiPortalDb db, DecisionFilter filter)
    {
        var query = db.Decisions.AsNoTracking();
        query = filter.Fleet is { Length: > 0 } f ? query.Where(d => d.Fleet == f) : query;
        query = filter.DeviceId is { Length: > 0 } id ? query.Where(d => d.DeviceId == id) : query;
        query = filter.Agrees is { } agrees ? query.Where(d => d.Agrees == agrees) : query;
        if (filter.From is { } from)
        {
            var ms = from.ToUnixTimeMilliseconds();
            query = query.Where(d => d.ReceivedAtMs >= ms);
        }

        if (filter.To is { } to)
        {
            var ms = to.ToUnixTimeMilliseconds();
            query = query.Where(d => d.ReceivedAtMs < ms);
        }

        return query;
    }
}
