using HiPortal.Core.Calibration;
using HiPortal.Server.Advice;
using HiPortal.Server.Audit;
using HiPortal.Server.Devices;
using HiPortal.Server.Fleets;
using HiPortal.Server.Ingest;
using HiPortal.Server.Persistence;
using HiPortal.Server.Presence;
using HiPortal.Server.RemoteConfig;
using HiPortal.Server.Stats;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Dashboard;

public sealed record DecisionRow(long Id, DateTimeOffset ReceivedAt, string DeviceId, string Fleet, string SampleId, int LocalClass,
    double LocalConfidence, int ServerClass, double ServerConfidence, bool Agrees, int? Label, int BatchSize, double QueueMs, double InferenceMs);

public sealed record DecisionFilter(string? Fleet, string? DeviceId, bool? Agrees, DateTimeOffset? From, DateTimeOffset? To);

/// <summary>
/// The dashboard's reads, one DbContext per call (components live long; contexts must not). Where an API endpoint
/// already answers the same question, this calls it, so the page and the API cannot disagree.
/// </summary>
public sealed class DashboardData(IDbContextFactory<HiPortalDb> dbFactory, DevicePresence presence, ConfigService configs,
    StatsQueries stats, ThresholdAdvisor advisor, TimeProvider time)
{
    public async Task<DevicePage> DevicesAsync(string? fleet, string? status, string? name, string? sort, bool descending, int page,
        int pageSize, CancellationToken cancellationToken)
    {
        var result = await DevicesApi.ListDevices(dbFactory, presence, time, fleet, status, name, sort, descending, page, pageSize, cancellationToken);
        return result.Result is Ok<DevicePage> ok ? ok.Value! : new DevicePage(0, page, pageSize, []);
    }

    public async Task<DeviceDetail?> DeviceAsync(string id, CancellationToken cancellationToken) =>
        (await DevicesApi.GetDevice(id, dbFactory, presence, configs, cancellationToken)).Result is Ok<DeviceDetail> ok ? ok.Value : null;

    public async Task<List<RemoteConfig.ConfigEvent>> ConfigHistoryAsync(string id, CancellationToken cancellationToken) =>
        (await DevicesApi.ConfigHistory(id, 50, dbFactory, cancellationToken)).Result is Ok<List<RemoteConfig.ConfigEvent>> ok ? ok.Value! : [];

    public async Task<List<FleetView>> FleetsAsync(CancellationToken cancellationToken) =>
        (await FleetsApi.ListFleets(dbFactory, cancellationToken)).Value!;

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

    public async Task<AuditPage> AuditAsync(string? scope, string? target, string? actor, int skip, int take, CancellationToken cancellationToken) =>
        (await AuditApi.Query(dbFactory, scope, target, actor, null, null, null, skip, take, cancellationToken)).Result is Ok<AuditPage> ok
            ? ok.Value!
            : new AuditPage(0, []);

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
