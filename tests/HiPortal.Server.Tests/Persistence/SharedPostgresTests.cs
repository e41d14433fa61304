using System.Net.Http.Json;
using HiPortal.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Server.Tests.Persistence;

/// <summary>
/// PostgreSQL only, on either run of the suite: several instances sharing one database is what that provider is for
/// (a SQLite file belongs to one process).
/// </summary>
public sealed class SharedPostgresTests
{
    [Fact]
    public async Task TwoInstances_StartingAtOnceOnOneDatabase_MigrateItOnce_AndServeTheSameData()
    {
        var database = "hiportal_shared_" + Guid.NewGuid().ToString("n");
        var options = new HiPortalHostOptions { Provider = DatabaseProvider.Postgres, PostgresDatabase = database };
        // Task.Run: starting a host blocks its thread until it has migrated, so this is what makes the two start at once.
        var starting = new[] { Task.Run(() => HiPortalHost.StartAsync(options)), Task.Run(() => HiPortalHost.StartAsync(options)) };
        try
        {
            var (first, second) = (await starting[0], await starting[1]);

            await using var db = await first.Services.GetRequiredService<IDbContextFactory<HiPortalDb>>().CreateDbContextAsync();
            var migrations = db.Database.GetMigrations().ToList();
            Assert.NotEmpty(migrations);
            Assert.Equal(migrations, await first.Database.QueryAsync(
                """SELECT "MigrationId" FROM "__EFMigrationsHistory" ORDER BY "MigrationId" """, r => r.GetString(0)));
            Assert.Equal(1L, await first.Database.CountAsync("""SELECT COUNT(*) FROM "Users" """));

            using (var admin = await first.CreateAdminAsync())
            {
                await admin.CreateFleetAsync(new CreateFleetRequest("shared-fleet", Threshold: 0.8));
            }

            using var otherAdmin = await second.CreateAdminAsync();
            var fleet = await otherAdmin.GetFleetAsync("shared-fleet");
            Assert.Equal(0.8, fleet.GetProperty("desired").GetProperty("threshold").GetDouble());
            using var device = await second.CreateDeviceAsync("shared-sensor", "shared-fleet");
            using var response = await device.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(3, "shared-sample"));
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(["shared-sample"], await first.Database.SampleIdsAsync(device.Device.DeviceId));
        }
        finally
        {
            foreach (var host in starting)
            {
                try
                {
                    await (await host).DisposeAsync();
                }
                catch (Exception) when (!host.IsCompletedSuccessfully)
                {
                    // That host did not start; the test has already failed on it above.
                }
            }

            await TestPostgres.DropDatabaseAsync(database);
        }
    }

    /// <summary>
    /// Instances on one database take turns at retention: while another session holds the retention lock (as another
    /// instance's pass would), a pass skips and deletes nothing; once it is released, the next pass deletes.
    /// </summary>
    [Fact]
    public async Task ARetentionPass_SkipsWhileAnotherInstanceRunsOne_AndRunsOnceItEnds()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var clock = HiPortalHostOptions.FakeClock(time);
        await using var app = await HiPortalHost.StartAsync(clock with
        {
            Provider = DatabaseProvider.Postgres,
            Settings = new Dictionary<string, string?>(clock.Settings) { ["Retention:Decisions"] = "1.00:00:00" },
        });
        using var device = await app.CreateDeviceAsync("turn-taker");
        await device.OffloadAsync(2, "expired-2");
        var retention = app.Services.GetRequiredService<HiPortal.Server.Retention.RetentionService>();

        await using (var other = await app.Database.OpenAsync())
        {
            await using (var take = other.CreateCommand())
            {
                take.CommandText = $"SELECT pg_advisory_lock({HiPortal.Server.Retention.RetentionService.LockKey})";
                await take.ExecuteNonQueryAsync();
            }

            time.Advance(TimeSpan.FromHours(36));
            var skipped = await retention.PruneAsync(CancellationToken.None);

            Assert.Equal(new HiPortal.Server.Retention.RetentionPass(0, 0, Skipped: true), skipped);
            Assert.Equal(1L, await app.Database.CountAsync("""SELECT COUNT(*) FROM "Decisions" """));

            // The other instance's pass ends and lets go, as PostgresSessionLock does. Closing alone would not: a
            // pooled connection keeps its session, and the lock with it, until Npgsql resets it on its next use.
            await using var release = other.CreateCommand();
            release.CommandText = $"SELECT pg_advisory_unlock({HiPortal.Server.Retention.RetentionService.LockKey})";
            Assert.True((bool)(await release.ExecuteScalarAsync())!);
        }

        var pass = await retention.PruneAsync(CancellationToken.None);

        Assert.False(pass.Skipped);
        Assert.Equal(0L, await app.Database.CountAsync("""SELECT COUNT(*) FROM "Decisions" """));
    }
}
