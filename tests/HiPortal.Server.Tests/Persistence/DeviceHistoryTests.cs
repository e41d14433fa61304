using HiPortal.Server.Dashboard;
using HiPortal.Server.Ingest;
using HiPortal.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Server.Tests.Persistence;

/// <summary>
/// A device's decisions, found by device and time: on SQLite through the <c>DeviceDecisions</c> table that is filled
/// a second at a time (<see cref="DeviceHistory"/>), on PostgreSQL through an index on <c>Decisions</c>. Either way a
/// read by device sees every decision stored before it, and only that device's.
/// </summary>
public sealed class DeviceHistoryTests(HostFixture server) : IClassFixture<HostFixture>
{
    [Fact]
    public async Task ReadsByDevice_SeeWhatWasJustStored_AndOnlyThatDevice()
    {
        var fleet = Samples.Unique("history");
        using var a = await server.App.CreateDeviceAsync("history-a", fleet);
        using var b = await server.App.CreateDeviceAsync("history-b", fleet);
        using var reader = await server.App.CreateOperatorAsync(Samples.Unique("reader"));
        for (var round = 0; round < 3; round++)
        {
            // Each round's rows are read back at once: well inside the indexer's second, so only the read's own
            // catch-up can have indexed them.
            for (var i = 0; i < 4; i++)
            {
                await a.OffloadAsync(i, $"a-{round}-{i}");
            }

            await b.OffloadAsync(round, $"b-{round}");

            var expected = Enumerable.Range(0, round + 1).SelectMany(r => Enumerable.Range(0, 4).Select(i => $"a-{r}-{i}")).ToList();
            var page = await reader.DecisionsAsync($"deviceId={a.Device.DeviceId}&limit=1000");
            Assert.Equal(expected, page.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("sampleId").GetString()));

            var stats = await reader.DeviceStatsAsync(a.Device.DeviceId);
            Assert.Equal(expected.Count, stats.GetProperty("totals").GetProperty("offloadsReceived").GetInt64());
            var onlyB = await reader.DecisionsAsync($"deviceId={b.Device.DeviceId}&limit=1000");
            Assert.Equal(round + 1, onlyB.GetProperty("items").GetArrayLength());
        }

        // A time window is a range of the device's entries, and it still sees the newest.
        var from = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(-5).ToString("O"));
        await a.OffloadAsync(9, "a-last");
        var recent = await reader.DecisionsAsync($"deviceId={a.Device.DeviceId}&from={from}&limit=1000");
        Assert.Equal("a-last", recent.GetProperty("items").EnumerateArray().Last().GetProperty("sampleId").GetString());
        Assert.Equal(13, recent.GetProperty("items").GetArrayLength());

        // The dashboard's pager counts a device's entries, with and without a window, and a filter beside the device.
        using var scope = server.App.Services.CreateScope();
        var dashboard = scope.ServiceProvider.GetRequiredService<DashboardData>();
        await a.OffloadAsync(10, "a-counted");
        Assert.Equal(14, await dashboard.DecisionCountAsync(new DecisionFilter(null, a.Device.DeviceId, null, null, null), CancellationToken.None));
        Assert.Equal(14, await dashboard.DecisionCountAsync(
            new DecisionFilter(null, a.Device.DeviceId, null, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1)), CancellationToken.None));
        Assert.Equal(0, await dashboard.DecisionCountAsync(
            new DecisionFilter(null, a.Device.DeviceId, null, DateTimeOffset.UtcNow.AddMinutes(1), null), CancellationToken.None));
        Assert.Equal(14, await dashboard.DecisionCountAsync(new DecisionFilter(fleet, a.Device.DeviceId, null, null, null), CancellationToken.None));
    }

    [Fact]
    public async Task OnSqlite_TheIndexTableHoldsEveryStoredDecisionOnce_AndADeleteTakesItsEntry()
    {
        if (server.App.Provider != DatabaseProvider.Sqlite)
        {
            // PostgreSQL keeps both indexes keyed by device on Decisions.
            Assert.Contains("IX_Decisions_DeviceId_ReceivedAtMs", await IndexNamesAsync());
            Assert.Contains("IX_Decisions_DeviceId_SampleId", await IndexNamesAsync());
            return;
        }

        // No index on Decisions is keyed by device, not even one for the foreign key.
        Assert.Equal(["IX_Decisions_Fleet_ReceivedAtMs", "IX_Decisions_ReceivedAtMs"], (await IndexNamesAsync())
            .Where(n => !n.StartsWith("sqlite_autoindex", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        using var device = await server.App.CreateDeviceAsync("history-table", Samples.Unique("history"));
        for (var i = 0; i < 5; i++)
        {
            await device.OffloadAsync(i, $"t-{i}");
        }

        var history = server.App.Services.GetRequiredService<DeviceHistory>();
        await history.CatchUpAsync(CancellationToken.None);

        const string Unindexed = """
            SELECT COUNT(*) FROM "Decisions" d WHERE d."Id" <= @through AND NOT EXISTS (SELECT 1 FROM "DeviceDecisions" h
                WHERE h."DeviceId" = d."DeviceId" AND h."ReceivedAtMs" = d."ReceivedAtMs" AND h."DecisionId" = d."Id")
            """;
        var through = await server.App.Database.CountAsync("""SELECT "IndexedThroughId" FROM "DeviceHistoryState" WHERE "Id" = 1""");
        Assert.True(through >= await server.App.Database.CountAsync("""SELECT MAX("Id") FROM "Decisions" WHERE "DeviceId" = @d""",
            ("@d", device.Device.DeviceId)));
        Assert.Equal(through, history.IndexedThrough);
        Assert.Equal(0, await server.App.Database.CountAsync(Unindexed, ("@through", through)));
        Assert.Equal(5, await server.App.Database.CountAsync("""SELECT COUNT(*) FROM "DeviceDecisions" WHERE "DeviceId" = @d""",
            ("@d", device.Device.DeviceId)));
        const string Matched = """
            SELECT COUNT(*) FROM "DeviceSamples" s JOIN "Decisions" d ON d."Id" = s."DecisionId"
            WHERE s."DeviceId" = @d AND d."DeviceId" = s."DeviceId" AND d."SampleId" = s."SampleId"
            """;
        Assert.Equal(5, await server.App.Database.CountAsync(Matched, ("@d", device.Device.DeviceId)));

        await server.App.Database.CountAsync("""DELETE FROM "Decisions" WHERE "DeviceId" = @d AND "SampleId" = 't-0'""",
            ("@d", device.Device.DeviceId));

        Assert.Equal(4, await server.App.Database.CountAsync("""SELECT COUNT(*) FROM "DeviceDecisions" WHERE "DeviceId" = @d""",
            ("@d", device.Device.DeviceId)));
        Assert.Equal(4, await server.App.Database.CountAsync("""SELECT COUNT(*) FROM "DeviceSamples" WHERE "DeviceId" = @d""",
            ("@d", device.Device.DeviceId)));

        // Deleted, the sample id can be stored again, as with the unique index before.
        Assert.False((await device.OffloadAsync(0, "t-0")).Replayed);
    }

    [Fact]
    public async Task OnSqlite_ReadsByDevice_SearchTheIndexTable_NeverTheDevicesWholeHistory()
    {
        if (server.App.Provider != DatabaseProvider.Sqlite)
        {
            return; // PostgreSQL plans with its own statistics; the index it uses is asserted above.
        }

        await using var db = await server.App.Services.GetRequiredService<IDbContextFactory<HiPortalDb>>().CreateDbContextAsync();
        var history = server.App.Services.GetRequiredService<DeviceHistory>();
        var all = await history.OfAsync(db, db.Decisions, "d-1", null, null, CancellationToken.None);
        var window = await history.OfAsync(db, db.Decisions, "d-1", 1_000, 2_000, CancellationToken.None);
        var queries = new (string Name, IQueryable<Decision> Query)[]
        {
            ("newest page", all.OrderByDescending(d => d.Id).Take(20)),
            ("window", window.Where(d => d.ReceivedAtMs >= 1_000 && d.ReceivedAtMs < 2_000)),
            ("labelled", all.Where(d => d.Label != null).OrderByDescending(d => d.Id).Take(5000)),
            ("rollout", HiPortal.Server.Rollouts.RolloutSignals.ReceivedSinceApplied(db,
                db.RolloutDevices.Where(d => d.RolloutId == 1 && d.RolledBackAt == null && d.AppliedAtMs != null))),
        };
        foreach (var (name, query) in queries)
        {
            var plan = await PlanAsync(query.ToQueryString());
            // EF Core aliases the tables (d, d0): the index table is the one searched by its key, Decisions by rowid.
            Assert.True(plan.Any(p => p.Contains("USING PRIMARY KEY (DeviceId=?", StringComparison.Ordinal)), $"{name}: {string.Join(" | ", plan)}");
            Assert.True(plan.Any(p => p.Contains("USING INTEGER PRIMARY KEY (rowid=?)", StringComparison.Ordinal)), $"{name}: {string.Join(" | ", plan)}");
            Assert.DoesNotContain(plan, p => p.StartsWith("SCAN", StringComparison.Ordinal) || p.Contains("IX_Decisions_DeviceId_SampleId", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task OnSqlite_TheMigrationIndexesTheDecisionsAlreadyStored_AndStepsBackToTheOldIndex()
    {
        await using var host = await HiPortalHost.StartAsync(new HiPortalHostOptions { Provider = DatabaseProvider.Sqlite });
        using var device = await host.CreateDeviceAsync("history-migrated");
        for (var i = 0; i < 6; i++)
        {
            await device.OffloadAsync(i, $"m-{i}");
        }

        // The server stopped, as for an upgrade: nothing else has the file open.
        await host.StopAsync();
        var options = new DbContextOptionsBuilder<HiPortalDb>().UseSqlite($"Data Source={host.DatabasePath};Pooling=False").Options;
        await using (var db = new HiPortalDb(options))
        {
            var migrator = db.GetService<IMigrator>();
            var migrations = db.Database.GetMigrations().ToList();
            var before = migrations[migrations.FindIndex(m => m.EndsWith("_DeviceHistory", StringComparison.Ordinal)) - 1];
            await migrator.MigrateAsync(before);
            Assert.Contains("IX_Decisions_DeviceId_ReceivedAtMs", await IndexNamesAsync(host.Database));
            Assert.Contains("IX_Decisions_DeviceId_SampleId", await IndexNamesAsync(host.Database));
            Assert.Equal(0, await host.Database.CountAsync(
                """SELECT COUNT(*) FROM sqlite_master WHERE "name" IN ('DeviceDecisions', 'DeviceSamples', 'TR_Decisions_DeviceSamples')"""));

            await migrator.MigrateAsync();
        }

        var stored = await host.Database.CountAsync("""SELECT COUNT(*) FROM "Decisions" """);
        Assert.True(stored >= 6);
        Assert.Equal(stored, await host.Database.CountAsync("""SELECT COUNT(*) FROM "DeviceDecisions" """));
        Assert.Equal(stored, await host.Database.CountAsync(
            """SELECT COUNT(*) FROM "DeviceSamples" s JOIN "Decisions" d ON d."Id" = s."DecisionId" AND d."DeviceId" = s."DeviceId" AND d."SampleId" = s."SampleId" """));
        Assert.Equal(await host.Database.CountAsync("""SELECT MAX("Id") FROM "Decisions" """),
            await host.Database.CountAsync("""SELECT "IndexedThroughId" FROM "DeviceHistoryState" WHERE "Id" = 1"""));
        Assert.DoesNotContain("IX_Decisions_DeviceId_ReceivedAtMs", await IndexNamesAsync(host.Database));
        Assert.DoesNotContain("IX_Decisions_DeviceId_SampleId", await IndexNamesAsync(host.Database));
    }

    private Task<List<string>> IndexNamesAsync() => IndexNamesAsync(server.App.Database);

    private static Task<List<string>> IndexNamesAsync(ServerDatabase database) => database.Path.Length > 0
        ? database.QueryAsync("""SELECT "name" FROM sqlite_master WHERE "type" = 'index' AND "tbl_name" = 'Decisions'""", r => r.GetString(0))
        : database.QueryAsync("""SELECT indexname FROM pg_indexes WHERE tablename = 'Decisions'""", r => r.GetString(0));

    /// <summary>SQLite's plan for EF Core's SQL (its <c>.param set</c> lines dropped: unbound parameters are NULL).</summary>
    private async Task<List<string>> PlanAsync(string sql)
    {
        var statement = string.Join('\n', sql.Split('\n').Where(l => !l.StartsWith(".param", StringComparison.Ordinal)));
        return await server.App.Database.QueryAsync("EXPLAIN QUERY PLAN " + statement, r => r.GetString(3));
    }
}
