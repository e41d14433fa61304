using HiPortal.Server.Audit;
using HiPortal.Server.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Tests.Persistence;

/// <summary>
/// SQLite's timestamps come back as UTC (<see cref="UtcDateTimeConverter"/>) while the stored text stays what EF Core
/// always wrote, so rows written before the converter still compare and sort with the ones written after it.
/// </summary>
public sealed class SqliteDateTimeTests
{
    [Fact]
    public async Task Timestamps_AreStoredAsTheSameText_AndReadBackAsUtc_BesideRowsWrittenBeforeTheConverter()
    {
        await using var connection = new SqliteConnection("Data Source=:memory:");
        await connection.OpenAsync();
        await using var db = new HiPortalDb(new DbContextOptionsBuilder<HiPortalDb>().UseSqlite(connection).Options);
        await db.Database.MigrateAsync();
        await db.Database.ExecuteSqlRawAsync(
            "INSERT INTO Audit (At, Actor, Action, Scope, Target) VALUES ('2026-01-02 03:04:05.1234567', 'old', 'a', 'fleet', 't')");
        var utc = new DateTime(2026, 1, 2, 3, 4, 6, DateTimeKind.Utc).AddTicks(1);
        var local = DateTime.SpecifyKind(utc.AddSeconds(1), DateTimeKind.Local);
        AuditLog.Record(db, utc, "utc", "a", "fleet", "t", null, null, null);
        AuditLog.Record(db, local, "local", "a", "fleet", "t", null, null, null);
        await db.SaveChangesAsync();

        var text = await db.Database.SqlQueryRaw<string>("SELECT At AS Value FROM Audit WHERE Actor = 'utc'").SingleAsync();
        var before = await db.Audit.AsNoTracking().Where(a => a.At < utc).Select(a => a.At).SingleAsync();
        var ordered = await db.Audit.AsNoTracking().Where(a => a.Actor != "local").OrderByDescending(a => a.At).Select(a => a.Actor).ToListAsync();
        var readLocal = await db.Audit.AsNoTracking().Where(a => a.Actor == "local").Select(a => a.At).SingleAsync();

        Assert.Equal("2026-01-02 03:04:06.0000001", text);
        Assert.Equal((DateTimeKind.Utc, new DateTime(2026, 1, 2, 3, 4, 5).AddTicks(1234567).Ticks), (before.Kind, before.Ticks));
        Assert.Equal(["utc", "old"], ordered);
        Assert.Equal((DateTimeKind.Utc, local.ToUniversalTime()), (readLocal.Kind, readLocal));
    }
}
