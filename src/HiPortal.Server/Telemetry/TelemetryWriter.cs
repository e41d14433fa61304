using HiPortal.Server.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace HiPortal.Server.Telemetry;

public sealed record TelemetryOutcome(int Accepted, int Duplicates, long Gaps, long LastSequence);

/// <summary>
/// Stores a device's reports and its sequence bookkeeping in one transaction. A sequence already stored is left as
/// it was (the first report of a sequence wins), so a device may resend a batch it is unsure about.
/// </summary>
public sealed class TelemetryWriter(IDbContextFactory<HiPortalDb> dbFactory, TimeProvider time)
{
    private const string InsertSql = """
        INSERT INTO Telemetry (DeviceId, Fleet, Sequence, PeriodStartMs, PeriodEndMs, ReceivedAtMs, Samples, DecidedLocally,
            Offloaded, LocalInferenceMicros, BytesSent, OffloadRttMicrosSum, OffloadRttCount, EnergyJoules, Dropped)
        VALUES ($deviceId, $fleet, $sequence, $periodStartMs, $periodEndMs, $receivedAtMs, $samples, $decidedLocally,
            $offloaded, $localInferenceMicros, $bytesSent, $offloadRttMicrosSum, $offloadRttCount, $energyJoules, $dropped)
        ON CONFLICT (DeviceId, Sequence) DO NOTHING
        """;

    /// <summary>Null when the device no longer exists.</summary>
    public async Task<TelemetryOutcome?> StoreAsync(string deviceId, IReadOnlyList<TelemetryPeriod> reports,
        CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // SQLite's BEGIN IMMEDIATE: the write lock is taken up front, so two posts of one device serialise here
        // and the read-modify-write of its counters below cannot interleave.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var device = await db.Devices.FirstOrDefaultAsync(d => d.Id == deviceId, cancellationToken);
        if (device is null)
        {
            return null;
        }

        await using var insert = (SqliteCommand)db.Database.GetDbConnection().CreateCommand();
        insert.Transaction = (SqliteTransaction)transaction.GetDbTransaction();
        insert.CommandText = InsertSql;
        var receivedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var accepted = 0;
        var highestAccepted = 0L;
        foreach (var report in reports)
        {
            Bind(insert.Parameters, report, deviceId, device.Fleet, receivedAtMs);
            // ON CONFLICT DO NOTHING changes no row for a sequence already stored.
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 1)
            {
                accepted++;
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
        return new TelemetryOutcome(accepted, duplicates, device.TelemetryGaps, last);
    }

    private static void Bind(SqliteParameterCollection parameters, TelemetryPeriod report, string deviceId, string fleet,
        long receivedAtMs)
    {
        // The command keeps its prepared statement while its text is unchanged, so rebinding is cheap.
        parameters.Clear();
        parameters.AddWithValue("$deviceId", deviceId);
        parameters.AddWithValue("$fleet", fleet);
        parameters.AddWithValue("$receivedAtMs", receivedAtMs);
        parameters.AddWithValue("$sequence", report.Sequence!.Value);
        parameters.AddWithValue("$periodStartMs", report.PeriodStart!.Value.ToUnixTimeMilliseconds());
        parameters.AddWithValue("$periodEndMs", report.PeriodEnd!.Value.ToUnixTimeMilliseconds());
        parameters.AddWithValue("$samples", report.Samples!.Value);
        parameters.AddWithValue("$decidedLocally", report.DecidedLocally!.Value);
        parameters.AddWithValue("$offloaded", report.Offloaded!.Value);
        // Counters a device does not measure may be left out; they are stored as 0.
        parameters.AddWithValue("$localInferenceMicros", report.LocalInferenceMicros ?? 0);
        parameters.AddWithValue("$bytesSent", report.BytesSent ?? 0);
        parameters.AddWithValue("$offloadRttMicrosSum", report.OffloadRttMicrosSum ?? 0);
        parameters.AddWithValue("$offloadRttCount", report.OffloadRttCount ?? 0);
        parameters.AddWithValue("$energyJoules", report.EnergyJoules ?? 0);
        parameters.AddWithValue("$dropped", report.Dropped ?? 0);
    }
}
