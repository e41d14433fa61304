using HiPortal.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace HiPortal.Server.Telemetry;

public sealed record TelemetryOutcome(int Accepted, int Duplicates, long Gaps, long LastSequence);

/// <summary>
/// Stores a device's reports and its sequence bookkeeping in one transaction. A sequence already stored is left as
/// it was (the first report of a sequence wins), so a device may resend a batch it is unsure about.
/// </summary>
public sealed class TelemetryWriter(IDbContextFactory<HiPortalDb> dbFactory, Live.LiveAggregates live, TimeProvider time)
{
    // Counters a device does not measure may be left out; they are stored as 0.
    private static readonly SqlInsert<TelemetryRow> s_insert = new("Telemetry", ["DeviceId", "Sequence"],
        ("DeviceId", t => t.DeviceId),
        ("Fleet", t => t.Fleet),
        ("Sequence", t => t.Report.Sequence!.Value),
        ("PeriodStartMs", t => t.Report.PeriodStart!.Value.ToUnixTimeMilliseconds()),
        ("PeriodEndMs", t => t.Report.PeriodEnd!.Value.ToUnixTimeMilliseconds()),
        ("ReceivedAtMs", t => t.ReceivedAtMs),
        ("Samples", t => t.Report.Samples!.Value),
        ("DecidedLocally", t => t.Report.DecidedLocally!.Value),
        ("Offloaded", t => t.Report.Offloaded!.Value),
        ("LocalInferenceMicros", t => t.Report.LocalInferenceMicros ?? 0),
        ("BytesSent", t => t.Report.BytesSent ?? 0),
        ("OffloadRttMicrosSum", t => t.Report.OffloadRttMicrosSum ?? 0),
        ("OffloadRttCount", t => t.Report.OffloadRttCount ?? 0),
        ("EnergyJoules", t => t.Report.EnergyJoules ?? 0),
        ("Dropped", t => t.Report.Dropped ?? 0));

    /// <summary>Null when the device no longer exists.</summary>
    public async Task<TelemetryOutcome?> StoreAsync(string deviceId, IReadOnlyList<TelemetryPeriod> reports,
        CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // Two posts of one device serialise here, so the read-modify-write of its counters below cannot interleave:
        // SQLite's BEGIN IMMEDIATE takes the write lock up front, PostgreSQL's transactions the writer lock.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var connection = db.Database.GetDbConnection();
        var device = await db.Devices.FirstOrDefaultAsync(d => d.Id == deviceId, cancellationToken);
        if (device is null)
        {
            return null;
        }

        await using var insert = s_insert.CreateCommand(connection, transaction.GetDbTransaction());
        var receivedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var accepted = 0;
        var stored = new List<TelemetryPeriod>(reports.Count);
        var highestAccepted = 0L;
        foreach (var report in reports)
        {
            // ON CONFLICT DO NOTHING changes no row for a sequence already stored.
            if (await insert.InsertAsync(new TelemetryRow(report, deviceId, device.Fleet, receivedAtMs), cancellationToken) == 1)
            {
                accepted++;
                stored.Add(report);
                highestAccepted = Math.Max(highestAccepted, report.Sequence!.Value);
            }
        }

        // Gaps = highest sequence − reports stored. Counted incrementally (stored before = last − gaps) rather than
        // with COUNT(*), which would scan all of the device's history on every post; it also keeps a gap meaning
        // "never received" if old reports are later pruned.
        var lastBefore = device.LastTelemetrySequence ?? 0;
        var storedBefore = lastBefore - device.TelemetryGaps;
        var last = Math.Max(lastBefore, highestAccepted);
        var duplicates = reports.Count - accepted;
        device.LastTelemetrySequence = last == 0 ? null : last;
        device.TelemetryGaps = last - (storedBefore + accepted);
        device.TelemetryDuplicates += duplicates;
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        live.AddTelemetry(device.Fleet, stored);
        return new TelemetryOutcome(accepted, duplicates, device.TelemetryGaps, last);
    }

    /// <summary>One report with what the server adds to it.</summary>
    private readonly record struct TelemetryRow(TelemetryPeriod Report, string DeviceId, string Fleet, long ReceivedAtMs);
}
