using HiPortal.Server.Live;
using HiPortal.Server.Stats;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace HiPortal.Server.Tests;

/// <summary>The in-memory sums give the figures the SQL stats give for the same window: the live snapshot's and the alarms'.</summary>
public sealed class LiveAggregatesTests
{
    [Fact]
    public async Task InMemoryWindow_EqualsTheSqlStats_AfterOffloadsAndTelemetry_AndAfterARestart()
    {
        using var directory = new TempDirectory();
        await using (var app = await HiPortalHost.StartAsync(new() { DataDirectory = directory.Path }))
        {
            using var device = await app.CreateDeviceAsync("live-sums");
            for (var i = 0; i < 12; i++)
            {
                // Every third local answer is wrong, so agreement and both accuracies are not all 1.
                await device.OffloadAsync(i, $"live-{i}", localClass: i % 3 == 0 ? (Samples.Test.Label(i) + 1) % 10 : null);
            }

            await device.OffloadAsync(20, "live-12", confidence: 0.9);
            var now = DateTimeOffset.UtcNow;
            await device.PostTelemetryAsync(new TelemetryBatch(
            [
                Report(1, now.AddSeconds(-3), samples: 40, offloaded: 10, energy: 0.5),
                Report(2, now.AddSeconds(-1), samples: 25, offloaded: 3, energy: 0.25),
            ]));

            await AssertSameAsSqlAsync(app, device.Fleet, expectedOffloads: 13);
        }

        // A restart starts from the database's rows of the window, not from nothing.
        await using var restarted = await HiPortalHost.StartAsync(new() { DataDirectory = directory.Path });
        await AssertSameAsSqlAsync(restarted, "lab", expectedOffloads: 13);
    }

    [Fact]
    public async Task AlarmWindow_OutlivesTheLiveWindow_EqualsTheSql_IsFilledAgainOnRestart_AndThenAgesOut()
    {
        using var directory = new TempDirectory();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = HiPortalHostOptions.FakeClock(time) with { DataDirectory = directory.Path };
        string fleet;
        await using (var app = await HiPortalHost.StartAsync(options))
        {
            using var device = await app.CreateDeviceAsync("alarm-sums");
            fleet = device.Fleet;
            for (var i = 0; i < 6; i++)
            {
                await device.OffloadAsync(i, $"early-{i}", localClass: i % 2 == 0 ? (Samples.Test.Label(i) + 1) % 10 : null);
            }

            // Past the live snapshot's 60 s, inside the alarms' 5 minutes: the snapshot's read must not drop the early ones.
            time.Advance(TimeSpan.FromMinutes(2));
            for (var i = 0; i < 4; i++)
            {
                await device.OffloadAsync(10 + i, $"late-{i}");
            }

            await app.Services.GetRequiredService<SnapshotPublisher>().PublishOnceAsync(default);
            Assert.Equal(4, await InMemoryOffloadsAsync(app, time, TimeSpan.FromSeconds(60), fleet));
            Assert.Equal(10, await InMemoryOffloadsAsync(app, time, TimeSpan.FromMinutes(5), fleet));
        }

        // A restart fills the alarms' whole window from the database, not only the snapshot's minute.
        await using var restarted = await HiPortalHost.StartAsync(options);
        Assert.Equal(10, await InMemoryOffloadsAsync(restarted, time, TimeSpan.FromMinutes(5), fleet));

        time.Advance(TimeSpan.FromMinutes(4));
        await restarted.Services.GetRequiredService<SnapshotPublisher>().PublishOnceAsync(default);
        Assert.Equal(4, await InMemoryOffloadsAsync(restarted, time, TimeSpan.FromMinutes(5), fleet));
        // Older than the 5 minutes kept: dropped, not merely left out of the window.
        var (from, to) = LiveAggregates.WindowEndingAt(time.GetUtcNow(), TimeSpan.FromMinutes(10));
        Assert.Equal(4, restarted.Services.GetRequiredService<LiveAggregates>().Window(from, to)[fleet].OffloadsReceived);
    }

    /// <summary>The window's offloads in memory, after checking all its figures against the SQL over the same seconds.</summary>
    private static async Task<long> InMemoryOffloadsAsync(HiPortalHost app, TimeProvider time, TimeSpan length, string fleet)
    {
        var stats = app.Services.GetRequiredService<StatsQueries>();
        var (from, to) = LiveAggregates.WindowEndingAt(time.GetUtcNow(), length);
        var inMemory = StatsQueries.Summaries(app.Services.GetRequiredService<LiveAggregates>().Window(from, to), await stats.CostsAsync(default));
        var sql = await stats.SummariesByFleetAsync(DateTimeOffset.FromUnixTimeMilliseconds(from), DateTimeOffset.FromUnixTimeMilliseconds(to), default);
        Assert.Equal(sql(fleet), inMemory(fleet));
        return inMemory(fleet).OffloadsReceived;
    }

    private static async Task AssertSameAsSqlAsync(HiPortalHost app, string fleet, long expectedOffloads)
    {
        var stats = app.Services.GetRequiredService<StatsQueries>();
        var (from, to) = LiveAggregates.WindowEndingAt(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(60));
        var inMemory = StatsQueries.Summaries(app.Services.GetRequiredService<LiveAggregates>().Window(from, to), await stats.CostsAsync(default));
        var sql = await stats.SummariesByFleetAsync(DateTimeOffset.FromUnixTimeMilliseconds(from), DateTimeOffset.FromUnixTimeMilliseconds(to), default);

        Assert.Equal(expectedOffloads, sql(fleet).OffloadsReceived);
        Assert.Equal(65, sql(fleet).Samples);
        Assert.Equal(sql(fleet), inMemory(fleet));
        Assert.Equal(sql("*"), inMemory("*"));
    }

    private static TelemetryPeriod Report(long sequence, DateTimeOffset end, long samples, long offloaded, double energy) => new()
    {
        Sequence = sequence,
        PeriodStart = end.AddSeconds(-1),
        PeriodEnd = end,
        Samples = samples,
        DecidedLocally = samples - offloaded,
        Offloaded = offloaded,
        BytesSent = offloaded * 790,
        OffloadRttMicrosSum = offloaded * 4000,
        OffloadRttCount = offloaded,
        EnergyJoules = energy,
    };
}
