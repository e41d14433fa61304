using System.ComponentModel.DataAnnotations;
using HiPortal.Server.Inference;
using HiPortal.Server.Persistence;
using HiPortal.Server.Presence;
using HiPortal.Server.Stats;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Live;

public sealed class LiveOptions
{
    public const string Section = "Live";

    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Snapshots aggregate this much recent history (telemetry arrives every few seconds).</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// Once per interval: the window's sums for all fleets (from <see cref="LiveAggregates"/>, or with several instances
/// one aggregate query over the window), one snapshot per fleet to the in-process
/// notifier and to the hub's fleet groups, and device online/offline transitions. Cost does not grow with the
/// number of offloads per second or with connected browsers. With several instances every one feeds its own
/// dashboards, and only the holder of the <see cref="IPublisherLease"/> sends to the hub (the backplane carries it
/// to every instance's clients); all compute from the shared database and shared presence, so their figures agree.
/// A single instance (no lease) adds up its in-memory per-second sums instead, which it fills from the database at
/// start-up before serving: the same figures as the SQL over the same whole seconds, at a cost that does not grow
/// with offloads per second.
/// </summary>
public sealed class SnapshotPublisher(
    StatsQueries stats,
    LiveAggregates aggregates,
    IDbContextFactory<HiPortalDb> dbFactory,
    DevicePresence presence,
    ModelHost models,
    LiveNotifier notifier,
    IHubContext<LiveHub> hub,
    IOptions<LiveOptions> options,
    TimeProvider time,
    ILogger<SnapshotPublisher> logger,
    IPublisherLease? lease = null) : BackgroundService
{
    private Dictionary<string, int> _totals = [];
    private DateTimeOffset _totalsAt = DateTimeOffset.MinValue;
    private HashSet<string> _online = [];
    private FleetCosts _costs = new(new Dictionary<string, HiPortal.Core.Savings.DeviceProfile>(), new Dictionary<string, int>());

    private bool InMemory => lease is null;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (InMemory)
        {
            // Before requests are served (hosted services start before the server): nothing is counted twice.
            var (from, to) = LiveAggregates.WindowEndingAt(time.GetUtcNow(), aggregates.Horizon);
            aggregates.Seed(await stats.CountsBySecondAsync(from, to + (to - from), cancellationToken));
        }

        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await PublishOnceAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    public async Task PublishOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            var now = time.GetUtcNow();
            await RefreshTotalsAsync(now, force: false, cancellationToken);
            Func<string, StatsFigures> summaries;
            Dictionary<string, StatsCounts>? window = null;
            if (InMemory)
            {
                var (from, to) = LiveAggregates.WindowEndingAt(now, options.Value.Window);
                window = aggregates.Window(from, to);
                summaries = StatsQueries.Summaries(window, _costs);
            }
            else
            {
                summaries = await stats.SummariesByFleetAsync(now - options.Value.Window, now, cancellationToken);
            }

            // Fleets and device counts are cached for 2 s. A fleet created since has no sample size (its samples would
            // be counted but not costed: bandwidth saved null), and a fleet whose first device registered since reads
            // 0 devices beside that device's traffic: refresh now rather than publish either.
            var stale = (window?.Keys.Any(f => !_totals.ContainsKey(f)) ?? false) ||
                _totals.Any(t => t.Value == 0 && summaries(t.Key) is { } f && (f.Samples > 0 || f.OffloadsReceived > 0));
            if (stale)
            {
                await RefreshTotalsAsync(now, force: true, cancellationToken);
                if (window is not null)
                {
                    summaries = StatsQueries.Summaries(window, _costs);
                }
            }

            var online = presence.OnlineByFleet();

            var toHub = lease is null || await lease.HoldAsync(cancellationToken);
            foreach (var fleet in _totals.Keys)
            {
                var snapshot = Snapshot(fleet, now, summaries(fleet), online.GetValueOrDefault(fleet), _totals[fleet]);
                await notifier.PublishAsync(snapshot);
                if (toHub)
                {
                    await hub.Clients.Group(LiveHub.Group(fleet)).SendAsync("snapshot", snapshot, cancellationToken);
                }
            }

            await PublishStatusChangesAsync(now, toHub, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Publishing live snapshots failed; the next tick retries");
        }
    }

    private SavingsSnapshot Snapshot(string fleet, DateTimeOffset now, StatsFigures f, int online, int total)
    {
        var seconds = options.Value.Window.TotalSeconds;
        return new SavingsSnapshot(fleet, now, (int)seconds, online, total, f.Samples / seconds, f.OffloadsReceived / seconds, f.OffloadsReceived,
            f.OffloadRate, f.BandwidthSavedFraction, Math.Max(0, f.BytesFullOffload - f.BytesSent), f.LatencyHiMs,
            f.LatencyFullOffloadMs, f.EnergySavedFraction, f.AgreementRate, f.ServerAccuracyOnOffloads, f.Labelled, models.QueueDepth,
            f.MeanBatchSize);
    }

    /// <summary>Fleets and device totals change rarely: counted every 2 s, not every tick, or now when forced.</summary>
    private async Task RefreshTotalsAsync(DateTimeOffset now, bool force, CancellationToken cancellationToken)
    {
        if (!force && now - _totalsAt < TimeSpan.FromSeconds(2))
        {
            return;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var fleets = await db.Fleets.AsNoTracking().Select(f => f.Name).ToListAsync(cancellationToken);
        var counts = await db.Devices.AsNoTracking().Where(d => d.RevokedAt == null).GroupBy(d => d.Fleet)
            .Select(g => new { Fleet = g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Fleet, g => g.Count, cancellationToken);
        var totals = fleets.ToDictionary(f => f, f => counts.GetValueOrDefault(f));
        totals["*"] = counts.Values.Sum();
        _totals = totals;
        _costs = await stats.CostsAsync(cancellationToken);
        _totalsAt = now;
    }

    private async Task PublishStatusChangesAsync(DateTimeOffset now, bool toHub, CancellationToken cancellationToken)
    {
        var online = presence.OnlineDevices();
        var changes = online.Except(_online).Select(id => new DeviceStatusChange(id, true, now))
            .Concat(_online.Except(online).Select(id => new DeviceStatusChange(id, false, now)))
            .Take(1000)
            .ToList();
        _online = online;
        foreach (var change in changes)
        {
            await notifier.PublishAsync(change);
        }

        if (changes.Count > 0 && toHub)
        {
            await hub.Clients.Group(LiveHub.Group("*")).SendAsync("deviceStatus", changes, cancellationToken);
        }
    }
}
