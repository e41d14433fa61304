using HiPortal.Server.Live;
using HiPortal.Server.Stats;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Server.Tests;

/// <summary>The live snapshot's in-memory sums give the figures the SQL stats give for the same window.</summary>
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
