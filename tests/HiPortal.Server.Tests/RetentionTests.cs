using HiPortal.Server.Persistence;
using Microsoft.Data.Sqlite;
using HiPortal.Server.Retention;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace HiPortal.Server.Tests;

/// <summary>Decisions and telemetry past <c>Retention</c> are deleted, in chunks; everything younger stays.</summary>
public sealed class RetentionTests
{
    [Fact]
    public async Task Pass_DeletesEveryRowPastItsBound_ChunkByChunk_AndKeepsTheYoungerOnes()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = HiPortalHostOptions.FakeClock(time);
        await using var app = await HiPortalHost.StartAsync(options with
        {
            Settings = new Dictionary<string, string?>(options.Settings)
            {
                ["Retention:Decisions"] = "1.00:00:00",
                ["Retention:Telemetry"] = "2.00:00:00",
                // Seven old decisions take four transactions of two: a pass that stopped after one chunk leaves some.
                ["Retention:RowsPerTransaction"] = "2",
            },
        });
        using var device = await app.CreateDeviceAsync("retained");
        for (var i = 0; i < 7; i++)
        {
            await device.OffloadAsync(i, $"old-{i}");
        }

        await device.PostTelemetryAsync(new TelemetryBatch([Report(1, time.GetUtcNow()), Report(2, time.GetUtcNow())]));

        // 1.5 days on: the decisions are past their day, the reports not yet past their two.
        time.Advance(TimeSpan.FromHours(36));
        await device.OffloadAsync(7, "new-0");
        await device.OffloadAsync(8, "new-1");
        await device.PostTelemetryAsync(new TelemetryBatch([Report(3, time.GetUtcNow())]));
        var retention = app.Services.GetRequiredService<RetentionService>();
        // The advance also woke the service's own timer; whichever pass runs first, this one ends with none left.
        await retention.PruneAsync(CancellationToken.None);

        Assert.Equal(["new-0", "new-1"], await SampleIdsAsync(app));
        Assert.Equal(new long[] { 1, 2, 3 }, await SequencesAsync(app));

        // Another day on: the first two reports are past theirs; the newer decisions and report are not.
        time.Advance(TimeSpan.FromHours(20));
        await retention.PruneAsync(CancellationToken.None);

        Assert.Equal(["new-0", "new-1"], await SampleIdsAsync(app));
        Assert.Equal(new long[] { 3 }, await SequencesAsync(app));
    }

    [Fact]
    public async Task ZeroKeepsThatTableForEver_WhileTheOtherIsPruned()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = HiPortalHostOptions.FakeClock(time);
        await using var app = await HiPortalHost.StartAsync(options with
        {
            Settings = new Dictionary<string, string?>(options.Settings)
            {
                ["Retention:Decisions"] = "0",
                ["Retention:Telemetry"] = "1.00:00:00",
            },
        });
        using var device = await app.CreateDeviceAsync("kept");
        await device.OffloadAsync(0, "kept-0");
        await device.PostTelemetryAsync(new TelemetryBatch([Report(1, time.GetUtcNow())]));
        // Fake time moves every timer of the server through each of its ticks, so days, not years.
        time.Advance(TimeSpan.FromDays(3));

        await app.Services.GetRequiredService<RetentionService>().PruneAsync(CancellationToken.None);

        Assert.Equal(["kept-0"], await SampleIdsAsync(app));
        Assert.Empty(await SequencesAsync(app));
    }

    /// <summary>
    /// SQLite only: it keeps a deleted row's pages inside its file unless told otherwise, while PostgreSQL's
    /// autovacuum looks after its own files.
    /// </summary>
    [Fact]
    public async Task Pass_GivesTheDeletedRowsPagesBackToTheDisk_SoTheFileShrinks()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = HiPortalHostOptions.FakeClock(time);
        await using var app = await HiPortalHost.StartAsync(options with
        {
            Provider = DatabaseProvider.Sqlite,
            Settings = new Dictionary<string, string?>(options.Settings) { ["Retention:Decisions"] = "1.00:00:00" },
        });
        Assert.Equal(2L, await app.Database.CountAsync("PRAGMA auto_vacuum"));
        using (var admin = await app.CreateAdminAsync())
        {
            await admin.CreateFleetAsync(new CreateFleetRequest("bulk"));
            await admin.ChangeFleetSettingsAsync("bulk", new FleetSettingsRequest(RateLimitPerSecond: 10_000, RateLimitBurst: 10_000));
        }

        using var device = await app.CreateDeviceAsync("bulky", "bulk");
        for (var call = 0; call < 8; call++)
        {
            var answer = await device.OffloadBatchBinaryAsync(
                Enumerable.Range(0, 256).Select(i => Samples.Binary(i, $"bulk-{call}-{i}")));
            Assert.Equal(256, answer.Succeeded);
        }

        var full = await app.Database.CountAsync("PRAGMA page_count");
        time.Advance(TimeSpan.FromHours(36));
        await device.OffloadAsync(0, "young");
        // The advance also woke the service's own timer; a pass waits for the one running, so after this one both are done.
        await app.Services.GetRequiredService<RetentionService>().PruneAsync(CancellationToken.None);

        Assert.Equal(["young"], await SampleIdsAsync(app));
        var left = await app.Database.CountAsync("PRAGMA page_count");
        // 2,048 decisions held many pages; what is left is the schema, one decision and the other tables' rows.
        Assert.True(left < full / 2, $"page_count {full} before the pass, {left} after");
        Assert.Equal(0L, await app.Database.CountAsync("PRAGMA freelist_count"));
    }

    /// <summary>A file made before auto_vacuum was set is rewritten once at start-up, and every row stays.</summary>
    [Fact]
    public async Task AFileWithoutAutoVacuum_IsRewrittenOnceAtStartUp_KeepingItsRows()
    {
        using var data = new TempDirectory();
        var options = new HiPortalHostOptions { Provider = DatabaseProvider.Sqlite, DataDirectory = data.Path };
        await MakeOlderBuildsFileAsync(options);

        await using var second = await HiPortalHost.StartAsync(options);

        Assert.Equal(2L, await second.Database.CountAsync("PRAGMA auto_vacuum"));
        Assert.Equal(["kept-1"], await SampleIdsAsync(second));
        Assert.Equal("ok", (await second.Database.QueryAsync("PRAGMA integrity_check", r => r.GetString(0))).Single());
    }

    [Fact]
    public async Task WithTheRewriteTurnedOff_AnOlderFileStartsAsItIs_AndIsRewrittenAtTheNextStartWithItOn()
    {
        using var data = new TempDirectory();
        var options = new HiPortalHostOptions { Provider = DatabaseProvider.Sqlite, DataDirectory = data.Path };
        await MakeOlderBuildsFileAsync(options);

        await using (var deferred = await HiPortalHost.StartAsync(options with
        {
            Settings = new Dictionary<string, string?> { ["Database:RewriteOlderFile"] = "false" },
        }))
        {
            Assert.Equal(0L, await deferred.Database.CountAsync("PRAGMA auto_vacuum"));
            Assert.Equal(["kept-1"], await SampleIdsAsync(deferred));
        }

        await using var converted = await HiPortalHost.StartAsync(options);

        Assert.Equal(2L, await converted.Database.CountAsync("PRAGMA auto_vacuum"));
        Assert.Equal(["kept-1"], await SampleIdsAsync(converted));
    }

    /// <summary>What an older build left in the data directory: the same schema and rows, in WAL mode, auto_vacuum off.</summary>
    private static async Task MakeOlderBuildsFileAsync(HiPortalHostOptions options)
    {
        string path;
        await using (var first = await HiPortalHost.StartAsync(options))
        {
            using var device = await first.CreateDeviceAsync("older-build");
            await device.OffloadAsync(1, "kept-1");
            path = first.DatabasePath;
        }

        await using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var rewrite = connection.CreateCommand();
            rewrite.CommandText = "PRAGMA auto_vacuum=NONE; VACUUM;";
            await rewrite.ExecuteNonQueryAsync();
        }

        var older = new ServerDatabase(path);
        Assert.Equal(0L, await older.CountAsync("PRAGMA auto_vacuum"));
        Assert.Equal(["wal"], await older.QueryAsync("PRAGMA journal_mode", r => r.GetString(0)));
    }

    [Theory]
    [InlineData("12:00:00", "00:00:00", "Retention:Decisions")]
    [InlineData("30.00:00:00", "00:30:00", "Retention:Telemetry")]
    public void ABoundUnderADay_IsRefused_NamingTheKey(string decisions, string telemetry, string key)
    {
        var options = new RetentionOptions { Decisions = TimeSpan.Parse(decisions, null), Telemetry = TimeSpan.Parse(telemetry, null) };

        var result = new DataAnnotationValidateOptions<RetentionOptions>(null).Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(key, result.FailureMessage, StringComparison.Ordinal);
        Assert.True(new DataAnnotationValidateOptions<RetentionOptions>(null).Validate(null, new RetentionOptions()).Succeeded);
    }

    private static async Task<string[]> SampleIdsAsync(HiPortalHost app)
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<HiPortalDb>>().CreateDbContextAsync();
        return await db.Decisions.OrderBy(d => d.SampleId).Select(d => d.SampleId).ToArrayAsync();
    }

    private static async Task<long[]> SequencesAsync(HiPortalHost app)
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<HiPortalDb>>().CreateDbContextAsync();
        return await db.Telemetry.OrderBy(t => t.Sequence).Select(t => t.Sequence).ToArrayAsync();
    }

    private static TelemetryPeriod Report(long sequence, DateTimeOffset end) => new()
    {
        Sequence = sequence,
        PeriodStart = end.AddSeconds(-10),
        PeriodEnd = end,
        Samples = 20,
        DecidedLocally = 18,
        Offloaded = 2,
    };
}
