using HiPortal.Server.Inference;
using HiPortal.Server.Live;
using HiPortal.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Alarms;

/// <summary>A fleet's drift detector fired (<see cref="Detail"/> says which statistic) or its new regime settled.</summary>
public sealed record DriftDetection(string Fleet, string Detail, DateTimeOffset At);

/// <summary>
/// Feeds every stored offload, once and in id order, to its fleet's <see cref="FleetDriftDetector"/>. On a single
/// instance the decision writer hands over each committed batch (<see cref="ObserveStored"/>: a few comparisons per row,
/// on the writer's thread, after the commit), so the detector keeps up at any offload rate and nothing is read back.
/// With several instances on one database (a <see cref="IPublisherLease"/> is registered) it reads the Decisions table
/// instead, so every instance sees every device: pages of <see cref="DriftOptions.MaxDecisionsPerEvaluation"/> rows until
/// caught up or <see cref="DriftOptions.MaxReadTime"/> has passed. Decisions stored before this instance started are
/// history, not news: they are skipped.
/// </summary>
/// <remarks>
/// <see cref="Detected"/> is the hook for whatever adapts to a fleet (the online threshold learner resets or
/// re-weights on it); the alarm and its audit row are raised by <see cref="AlarmEvaluator"/>.
/// </remarks>
public sealed class FleetDrift(IDbContextFactory<HiPortalDb> dbFactory, IOptions<DriftOptions> options, TimeProvider time,
    IPublisherLease? lease = null)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, FleetDriftDetector> _fleets = new(StringComparer.Ordinal);
    private readonly long _startedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds();
    private List<DriftDetection> _stored = [];
    private long _lastId = -1;

    /// <summary>Raised once per detection, after the alarm is raised (resets the fleet's online learner).</summary>
    public event Func<DriftDetection, Task>? Detected;

    private bool FromWriter => lease is null;

    /// <summary>One committed batch of the decision writer (<paramref name="inserted"/>: the rows the database took).</summary>
    public void ObserveStored(List<InferenceRequest> requests, bool[] inserted)
    {
        if (!FromWriter || !options.Value.Enabled)
        {
            return;
        }

        lock (_lock)
        {
            for (var i = 0; i < requests.Count; i++)
            {
                if (inserted[i] && requests[i] is { Decision: { } d, Result: { } r } &&
                    Observe(d.Fleet, d.LocalConfidence, r.PredictedClass == d.LocalClass) is { } detail)
                {
                    _stored.Add(new DriftDetection(d.Fleet, detail, time.GetUtcNow()));
                }
            }
        }
    }

    /// <summary>
    /// The detections since the last call: those the writer's batches gave, or (several instances) those of the
    /// decisions stored since the last call, read from the database.
    /// </summary>
    public async Task<List<DriftDetection>> ObserveNewAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            return [];
        }

        if (FromWriter)
        {
            lock (_lock)
            {
                var detections = _stored;
                _stored = [];
                return detections;
            }
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (_lastId < 0)
        {
            _lastId = await db.Decisions.AsNoTracking().Where(d => d.ReceivedAtMs < _startedAtMs).MaxAsync(d => (long?)d.Id, cancellationToken) ?? 0;
        }

        // Page after page until caught up: one page per evaluation fell behind for good above a page per interval
        // (20,000 decisions per 10 s: 2,000 offloads/s across the instances).
        var (page, started) = (options.Value.MaxDecisionsPerEvaluation, time.GetTimestamp());
        var found = new List<DriftDetection>();
        int read;
        do
        {
            var rows = await db.Decisions.AsNoTracking().Where(d => d.Id > _lastId).OrderBy(d => d.Id).Take(page)
                .Select(d => new { d.Id, d.Fleet, d.LocalConfidence, d.Agrees }).ToListAsync(cancellationToken);
            read = rows.Count;
            var now = time.GetUtcNow();
            lock (_lock)
            {
                foreach (var row in rows)
                {
                    if (Observe(row.Fleet, row.LocalConfidence, row.Agrees) is { } detail)
                    {
                        found.Add(new DriftDetection(row.Fleet, detail, now));
                    }

                    _lastId = row.Id;
                }
            }
        }
        while (read == page && time.GetElapsedTime(started) < options.Value.MaxReadTime);

        return found;
    }

    /// <summary>Fleets whose drift was detected and whose new regime has since held (their alarm may clear).</summary>
    public List<string> Settled()
    {
        lock (_lock)
        {
            return _fleets.Where(f => f.Value.Settled).Select(f => f.Key).ToList();
        }
    }

    public void MarkCleared(string fleet)
    {
        lock (_lock)
        {
            if (_fleets.TryGetValue(fleet, out var detector))
            {
                detector.Acknowledge();
            }
        }
    }

    public async Task NotifyAsync(DriftDetection detection)
    {
        if (Detected is { } handlers)
        {
            foreach (var handler in handlers.GetInvocationList().Cast<Func<DriftDetection, Task>>())
            {
                await handler(detection);
            }
        }
    }

    // Holds _lock.
    private string? Observe(string fleet, double localConfidence, bool agrees)
    {
        if (!_fleets.TryGetValue(fleet, out var detector))
        {
            _fleets[fleet] = detector = new FleetDriftDetector(options.Value);
        }

        return detector.Observe(localConfidence, agrees);
    }
}
