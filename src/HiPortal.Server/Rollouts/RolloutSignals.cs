using HiPortal.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Rollouts;

/// <summary>
/// Reads a rollout's HI signals from what is stored: each changed device's ack of the version that carried the change,
/// then its telemetry (samples, offloads, drops) for periods that began after it applied it, and its offloads'
/// decisions (agreement of the local and large model, accuracy where labelled) received after that.
/// </summary>
public static class RolloutSignals
{
    /// <summary>Records newly seen acks on the (tracked) device rows, then counts; the caller saves.</summary>
    public static async Task<HealthCounts> CountAsync(HiPortalDb db, Rollout rollout, List<RolloutDevice> changed, CancellationToken cancellationToken)
    {
        var waiting = changed.Where(d => d.AppliedAtMs is null).Select(d => d.DeviceId).ToList();
        var rejected = 0;
        if (waiting.Count > 0)
        {
            var since = rollout.CreatedAt;
            var reports = await db.ConfigEvents.AsNoTracking()
                .Where(e => waiting.Contains(e.DeviceId) && e.At >= since && (e.Kind == "applied" || e.Kind == "rejected"))
                .Select(e => new { e.DeviceId, e.Version, e.Kind, e.At }).ToListAsync(cancellationToken);
            foreach (var device in changed.Where(d => d.AppliedAtMs is null))
            {
                var report = reports.Where(r => r.DeviceId == device.DeviceId && r.Version >= device.Version).MinBy(r => r.At);
                if (report?.Kind == "applied")
                {
                    device.AppliedAtMs = new DateTimeOffset(DateTime.SpecifyKind(report.At, DateTimeKind.Utc)).ToUnixTimeMilliseconds();
                }
                else if (report is not null)
                {
                    rejected++;
                }
            }

            await db.SaveChangesAsync(cancellationToken);
        }

        var id = rollout.Id;
        var applied = db.RolloutDevices.Where(d => d.RolloutId == id && d.RolledBackAt == null && d.AppliedAtMs != null);
        var telemetry = await (from t in db.Telemetry
                               join d in applied on t.DeviceId equals d.DeviceId
                               where t.PeriodStartMs >= d.AppliedAtMs
                               select t)
            .GroupBy(_ => 1)
            .Select(g => new { Samples = g.Sum(t => t.Samples), Offloaded = g.Sum(t => t.Offloaded), Dropped = g.Sum(t => t.Dropped) })
            .FirstOrDefaultAsync(cancellationToken);
        var decisions = await ReceivedSinceApplied(db, applied)
            .GroupBy(_ => 1)
            .Select(g => new
            {
                Count = g.LongCount(),
                Agreements = g.LongCount(x => x.Agrees),
                Labelled = g.LongCount(x => x.Label != null),
                Correct = g.LongCount(x => x.Label != null && x.ServerClass == x.Label),
            })
            .FirstOrDefaultAsync(cancellationToken);
        return new HealthCounts(changed.Count, changed.Count(d => d.AppliedAtMs is not null), rejected,
            telemetry?.Samples ?? 0, telemetry?.Offloaded ?? 0, telemetry?.Dropped ?? 0,
            decisions?.Count ?? 0, decisions?.Agreements ?? 0, decisions?.Labelled ?? 0, decisions?.Correct ?? 0);
    }

    /// <summary>
    /// The decisions of <paramref name="applied"/>'s devices received since each applied the change. On SQLite,
    /// <c>Decisions</c> has no index keyed by device: they are found through <c>DeviceDecisions</c> (see
    /// <see cref="Ingest.DeviceHistory"/>; the caller indexes what was stored first), then fetched by id.
    /// </summary>
    public static IQueryable<Ingest.Decision> ReceivedSinceApplied(HiPortalDb db, IQueryable<RolloutDevice> applied) =>
        db.Database.IsSqlite()
            ? db.Decisions.Where(x => (from h in db.DeviceDecisions
                                       join d in applied on h.DeviceId equals d.DeviceId
                                       where h.ReceivedAtMs >= d.AppliedAtMs
                                       select h.DecisionId).Contains(x.Id))
            : from x in db.Decisions
              join d in applied on x.DeviceId equals d.DeviceId
              where x.ReceivedAtMs >= d.AppliedAtMs
              select x;
}
