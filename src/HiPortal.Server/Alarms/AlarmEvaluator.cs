using System.Globalization;
using HiPortal.Server.Inference;
using HiPortal.Server.Live;
using HiPortal.Server.Observability;
using HiPortal.Server.Persistence;
using HiPortal.Server.Presence;
using HiPortal.Server.Stats;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Alarms;

/// <summary>
/// Once per <see cref="AlarmOptions.Interval"/>: every condition is measured, passed through the
/// <see cref="Hysteresis"/>, and raised or cleared through <see cref="AlarmService"/> (which deduplicates). Presence, the
/// 503 count and readiness come from memory; fleet figures from the in-memory per-second sums
/// (<see cref="LiveAggregates"/>), or with several instances on one database from one aggregate pass over the window;
/// drift from the offloads stored since the last evaluation. So an evaluation's cost does not grow with offloads per
/// second on a single instance: a 5-minute window at 15,000 offloads/s would be a scan of 4.5 million rows.
/// </summary>
public sealed class AlarmEvaluator(
    AlarmService alarms,
    FleetDrift drift,
    DevicePresence presence,
    ModelHost model,
    HiPortalMetrics metrics,
    StatsQueries stats,
    LiveAggregates aggregates,
    IDbContextFactory<HiPortalDb> dbFactory,
    IOptions<AlarmOptions> options,
    TimeProvider time,
    ILogger<AlarmEvaluator> logger,
    IPublisherLease? lease = null) : BackgroundService
{
    private readonly SemaphoreSlim _once = new(1, 1);
    private readonly Hysteresis _hysteresis = new(options.Value.RaiseAfter, options.Value.ClearAfter);
    private long _rejectionsSeen;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await EvaluateOnceAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    /// <summary>One evaluation of every condition (the timer's, or a test's); evaluations never overlap.</summary>
    public async Task EvaluateOnceAsync(CancellationToken cancellationToken)
    {
        await _once.WaitAsync(cancellationToken);
        try
        {
            await alarms.EnsureLoadedAsync(cancellationToken);
            await ReadinessAsync(cancellationToken);
            await RejectionsAsync(cancellationToken);
            await OfflineAsync(cancellationToken);
            await FleetFiguresAsync(cancellationToken);
            await DriftAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Evaluating alarms failed; the next interval retries");
        }
        finally
        {
            _once.Release();
        }
    }

    private Task ReadinessAsync(CancellationToken cancellationToken) =>
        StepAsync(AlarmKinds.ModelNotReady, AlarmKinds.Server, !model.IsReady, model.IsReady,
            model.WhenReady.IsFaulted ? "the model failed to load" : "the model is loading", null, "the model is loaded and warm", cancellationToken);

    private Task RejectionsAsync(CancellationToken cancellationToken)
    {
        var total = metrics.Overloaded;
        var rejected = total - _rejectionsSeen;
        _rejectionsSeen = total;
        var o = options.Value;
        return StepAsync(AlarmKinds.QueueRejections, AlarmKinds.Server, rejected > o.RejectionsRaiseAbove, rejected <= o.RejectionsClearAtOrBelow,
            $"{rejected} requests answered 503 in the last {o.Interval} (above {o.RejectionsRaiseAbove})", rejected,
            $"{rejected} requests answered 503 in the last {o.Interval}", cancellationToken);
    }

    private async Task OfflineAsync(CancellationToken cancellationToken)
    {
        var online = presence.OnlineDevices();
        foreach (var (deviceId, _, at) in presence.SeenSince(DateTimeOffset.MinValue))
        {
            var isOnline = online.Contains(deviceId);
            await StepAsync(AlarmKinds.DeviceOffline, AlarmKinds.Device(deviceId), !isOnline, isOnline,
                $"not heard from since {at.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)} (offline after {presence.OfflineAfter})", null,
                "heard from again", cancellationToken);
        }
    }

    private async Task FleetFiguresAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var fleets = await db.Fleets.AsNoTracking().Select(f => f.Name).ToListAsync(cancellationToken);
        Func<string, StatsFigures> figures;
        if (lease is null)
        {
            // One instance: its own writes are all there is, summed by second as they were stored.
            var (from, to) = LiveAggregates.WindowEndingAt(now, o.Window);
            figures = StatsQueries.Summaries(aggregates.Window(from, to), await stats.CostsAsync(cancellationToken));
        }
        else
        {
            // The window's end is exclusive: one millisecond on, so what arrived this very millisecond counts.
            figures = await stats.SummariesByFleetAsync(now - o.Window, now.AddMilliseconds(1), cancellationToken);
        }

        foreach (var fleet in fleets)
        {
            var f = figures(fleet);
            var scope = AlarmKinds.Fleet(fleet);
            // Too little traffic says nothing about a rate; silence is the offline alarm's business, so it counts as good.
            var rate = f.Samples >= o.OffloadRateMinSamples ? f.OffloadRate : null;
            await StepAsync(AlarmKinds.OffloadRate, scope,
                rate is { } r && (r < o.OffloadRateLow || r > o.OffloadRateHigh),
                rate is not { } g || (g >= o.OffloadRateLow + o.OffloadRateMargin && g <= o.OffloadRateHigh - o.OffloadRateMargin),
                Invariant($"offload rate {rate:0.###} over {o.Window} is outside [{o.OffloadRateLow}, {o.OffloadRateHigh}]"), rate,
                Invariant($"offload rate {rate:0.###} is back inside the band"), cancellationToken);
            var agreement = f.OffloadsReceived >= o.AgreementMinOffloads ? f.AgreementRate : null;
            await StepAsync(AlarmKinds.AgreementDrop, scope,
                agreement < o.AgreementRaiseBelow,
                agreement is not { } a || a >= o.AgreementClearAbove,
                Invariant($"the large model agreed on {agreement:P1} of {f.OffloadsReceived} offloads over {o.Window} (below {o.AgreementRaiseBelow:P0})"),
                agreement, Invariant($"agreement {agreement:P1} is back above {o.AgreementClearAbove:P0}"), cancellationToken);
        }
    }

    private async Task DriftAsync(CancellationToken cancellationToken)
    {
        foreach (var detection in await drift.ObserveNewAsync(cancellationToken))
        {
            await alarms.RaiseAsync(AlarmKinds.Drift, AlarmKinds.Fleet(detection.Fleet), detection.Detail, null, cancellationToken);
            await drift.NotifyAsync(detection);
        }

        foreach (var fleet in drift.Settled())
        {
            await alarms.ClearAsync(AlarmKinds.Drift, AlarmKinds.Fleet(fleet), "the detector re-learned the fleet's regime and it has held", cancellationToken);
            drift.MarkCleared(fleet);
        }
    }

    private async Task StepAsync(string kind, string scope, bool bad, bool good, string raiseDetail, double? value, string clearDetail,
        CancellationToken cancellationToken)
    {
        switch (_hysteresis.Step(kind, scope, alarms.IsOpen(kind, scope), bad, good))
        {
            case AlarmTransition.Raise:
                await alarms.RaiseAsync(kind, scope, raiseDetail, value, cancellationToken);
                break;
            case AlarmTransition.Clear:
                await alarms.ClearAsync(kind, scope, clearDetail, cancellationToken);
                break;
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
