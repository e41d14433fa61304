using HiPortal.Core.Savings;
using HiPortal.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Stats;

/// <summary>
/// HI's figures over a time range, aggregated by the database (GROUP BY bucket and fleet) so no row is loaded: a range
/// scan of the (Fleet, PeriodEndMs) and (Fleet, ReceivedAtMs) indexes, or of the time indexes for all fleets.
/// Telemetry counts by the end of its period, decisions by when the server received them.
/// </summary>
public sealed class StatsQueries(IDbContextFactory<HiPortalDb> dbFactory, IRawDatabase raw, Models.ModelRepository models,
    Ingest.DeviceHistory history)
{
    /// <summary>Totals over [from, to) for the scope's fleet, device, or all fleets.</summary>
    public async Task<StatsFigures> SummaryAsync(StatsScope scope, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var (counts, profiles) = await LoadAsync(scope, from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds(), null, cancellationToken);
        return StatsCalculator.Figures(ByFleet(counts), profiles);
    }

    /// <summary>
    /// Totals over [from, to) for every fleet and for all together ("*"), from one pass over the window: what the
    /// live snapshot needs each second, at the cost of one query rather than one per fleet. A fleet with no data in
    /// the window gets the figures of an empty window.
    /// </summary>
    public async Task<Func<string, StatsFigures>> SummariesByFleetAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var (counts, profiles) = await LoadAsync(StatsScope.AllFleets, from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds(), null, cancellationToken);
        return Summaries(ByFleet(counts), profiles);
    }

    /// <summary>Figures for every fleet and for all together ("*") from window totals by fleet (SQL's or the live sums).</summary>
    public static Func<string, StatsFigures> Summaries(Dictionary<string, StatsCounts> byFleet, FleetCosts profiles)
    {
        var all = StatsCalculator.Figures(byFleet, profiles);
        var empty = StatsCalculator.Figures(new Dictionary<string, StatsCounts>(), profiles);
        var figures = byFleet.ToDictionary(kv => kv.Key, kv => StatsCalculator.Figures(new Dictionary<string, StatsCounts> { [kv.Key] = kv.Value }, profiles));
        return fleet => fleet == "*" ? all : figures.GetValueOrDefault(fleet) ?? empty;
    }

    /// <summary>Every bucket of the window (empty ones included, so a chart has no holes) and the window's totals.</summary>
    public async Task<StatsSeries> SeriesAsync(StatsScope scope, StatsWindow window, CancellationToken cancellationToken)
    {
        var (counts, profiles) = await LoadAsync(scope, window.FromMs, window.ToMs, window.BucketMs, cancellationToken);
        var fleetTotals = ByFleet(counts);
        var buckets = new List<StatsBucket>((int)window.BucketCount);
        var empty = new Dictionary<string, StatsCounts>();
        for (var i = 0L; i < window.BucketCount; i++)
        {
            var start = window.FirstBucketMs + (i * window.BucketMs);
            var figures = StatsCalculator.Figures(counts.GetValueOrDefault(start, empty), profiles, fleetTotals);
            buckets.Add(new StatsBucket(DateTimeOffset.FromUnixTimeMilliseconds(start), figures));
        }

        return new StatsSeries(StatsCalculator.Figures(fleetTotals, profiles), buckets);
    }

    /// <summary>Local class against the large model's, over the offloads stored in [from, to), one matrix per model version.</summary>
    public async Task<IReadOnlyList<ConfusionMatrix>> ConfusionAsync(StatsScope scope, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await CatchUpAsync(scope, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var sql = new StatsSql(raw, history, scope, from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds(), null);
        return ConfusionMatrix.From(await db.Database.SqlQueryRaw<ConfusionRow>(sql.Confusion, sql.Parameters).ToListAsync(cancellationToken));
    }

    /// <summary>Counts by second (bucket start) and fleet over [from, to): what the live sums start from.</summary>
    public async Task<Dictionary<long, Dictionary<string, StatsCounts>>> CountsBySecondAsync(long fromMs, long toMs,
        CancellationToken cancellationToken) =>
        (await LoadAsync(StatsScope.AllFleets, fromMs, toMs, 1000, cancellationToken)).Counts;

    /// <summary>Each fleet's device profile and sample size, which cost its savings.</summary>
    public async Task<FleetCosts> CostsAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await ProfilesAsync(db, cancellationToken);
    }

    /// <summary>Counts by bucket start, then fleet. Without a bucket size everything falls in bucket 0.</summary>
    private async Task<(Dictionary<long, Dictionary<string, StatsCounts>> Counts, FleetCosts Profiles)> LoadAsync(
        StatsScope scope, long fromMs, long toMs, long? bucketMs, CancellationToken cancellationToken)
    {
        await CatchUpAsync(scope, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // One connection for the three queries (the per-connection pragmas run once).
        await db.Database.OpenConnectionAsync(cancellationToken);
        var profiles = await ProfilesAsync(db, cancellationToken);
        var sql = new StatsSql(raw, history, scope, fromMs, toMs, bucketMs);
        var telemetry = await db.Database.SqlQueryRaw<TelemetrySums>(sql.Telemetry, sql.Parameters).ToListAsync(cancellationToken);
        var decisions = await db.Database.SqlQueryRaw<DecisionSums>(sql.Decisions, sql.Parameters).ToListAsync(cancellationToken);

        var counts = new Dictionary<long, Dictionary<string, StatsCounts>>();
        StatsCounts At(long bucket, string fleet)
        {
            if (!counts.TryGetValue(bucket, out var fleets))
            {
                counts[bucket] = fleets = [];
            }

            if (!fleets.TryGetValue(fleet, out var c))
            {
                fleets[fleet] = c = new StatsCounts();
            }

            return c;
        }

        foreach (var row in telemetry)
        {
            row.AddTo(At(row.BucketStartMs, row.Fleet));
        }

        foreach (var row in decisions)
        {
            row.AddTo(At(row.BucketStartMs, row.Fleet));
        }

        return (counts, profiles);
    }

    private ValueTask CatchUpAsync(StatsScope scope, CancellationToken cancellationToken) =>
        scope.DeviceId is null ? ValueTask.CompletedTask : history.CatchUpAsync(cancellationToken);

    private async Task<FleetCosts> ProfilesAsync(HiPortalDb db, CancellationToken cancellationToken)
    {
        var fleets = await db.Fleets.AsNoTracking().Select(f => new { f.Name, f.DeviceProfile, f.LargeModel }).ToListAsync(cancellationToken);
        var profiles = new Dictionary<string, DeviceProfile>();
        var sampleBytes = new Dictionary<string, int>();
        foreach (var fleet in fleets)
        {
            if (models.SampleBytes(fleet.LargeModel) is { } bytes)
            {
                sampleBytes[fleet.Name] = bytes;
            }

            // A profile name the core does not know leaves that fleet's savings uncosted rather than failing the query.
            if (DeviceProfiles.All.FirstOrDefault(p => string.Equals(p.Name, fleet.DeviceProfile, StringComparison.OrdinalIgnoreCase)) is { } profile)
            {
                profiles[fleet.Name] = profile;
            }
        }

        return new FleetCosts(profiles, sampleBytes);
    }

    private static Dictionary<string, StatsCounts> ByFleet(Dictionary<long, Dictionary<string, StatsCounts>> counts)
    {
        var totals = new Dictionary<string, StatsCounts>();
        foreach (var fleets in counts.Values)
        {
            foreach (var (fleet, c) in fleets)
            {
                if (!totals.TryGetValue(fleet, out var total))
                {
                    totals[fleet] = total = new StatsCounts();
                }

                total.Add(c);
            }
        }

        return totals;
    }
}
