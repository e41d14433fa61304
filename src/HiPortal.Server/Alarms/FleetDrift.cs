using HiPortal.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Alarms;

/// <summary>A fleet's drift detector fired (<see cref="Detail"/> says which statistic) or its new regime settled.</summary>
public sealed record DriftDetection(string Fleet, string Detail, DateTimeOffset At);

/// <summary>
/// Feeds every stored offload, once and in id order, to its fleet's <see cref="FleetDriftDetector"/>. It reads the
/// Decisions table rather than hooking ingest, so the hot path pays nothing and every instance sees every device.
/// Decisions stored before this instance started are history, not news: they are skipped.
/// </summary>
/// <remarks>
/// <see cref="Detected"/> is the hook for whatever adapts to a fleet (the online threshold learner resets or
/// re-weights on it); the alarm and its audit row are raised by <see cref="AlarmEvaluator"/>.
/// </remarks>
public sealed class FleetDrift(IDbContextFactory<HiPortalDb> dbFactory, IOptions<DriftOptions> options, TimeProvider time)
{
    private readonly Dictionary<string, FleetDriftDetector> _fleets = new(StringComparer.Ordinal);
    private readonly long _startedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds();
    private long _lastId = -1;

    /// <summary>Raised once per detection, after the alarm is raised (resets the fleet's online learner).</summary>
    public event Func<DriftDetection, Task>? Detected;

    /// <summary>Reads decisions stored since the last call (at most MaxDecisionsPerEvaluation); returns the new detections.</summary>
    public async Task<List<DriftDetection>> ObserveNewAsync(CancellationToken cancellationToken)
    {
        var detections = new List<DriftDetection>();
        if (!options.Value.Enabled)
        {
            return detections;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (_lastId < 0)
        {
            _lastId = await db.Decisions.AsNoTracking().Where(d => d.ReceivedAtMs < _startedAtMs).MaxAsync(d => (long?)d.Id, cancellationToken) ?? 0;
        }

        var rows = await db.Decisions.AsNoTracking().Where(d => d.Id > _lastId).OrderBy(d => d.Id).Take(options.Value.MaxDecisionsPerEvaluation)
            .Select(d => new { d.Id, d.Fleet, d.LocalConfidence, d.Agrees }).ToListAsync(cancellationToken);
        var now = time.GetUtcNow();
        foreach (var row in rows)
        {
            if (!_fleets.TryGetValue(row.Fleet, out var detector))
            {
                _fleets[row.Fleet] = detector = new FleetDriftDetector(options.Value);
            }

            if (detector.Observe(row.LocalConfidence, row.Agrees) is { } detail)
            {
                detections.Add(new DriftDetection(row.Fleet, detail, now));
            }

            _lastId = row.Id;
        }

        return detections;
    }

    /// <summary>Fleets whose drift was detected and whose new regime has since held (their alarm may clear).</summary>
    public List<string> Settled() => _fleets.Where(f => f.Value.Settled).Select(f => f.Key).ToList();

    public void MarkCleared(string fleet)
    {
        if (_fleets.TryGetValue(fleet, out var detector))
        {
            detector.Acknowledge();
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
}
