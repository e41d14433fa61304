using System.Net;
using System.Net.Http.Json;
using HiPortal.Server.Inference;
using HiPortal.Server.Ingest;
using HiPortal.Server.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace HiPortal.Server.Tests.Persistence;

/// <summary>
/// Idempotency on SQLite without a unique (DeviceId, SampleId) index on <c>Decisions</c>: a sample id is stored once
/// whether its first decision is in <c>DeviceSamples</c> yet, only in the writer's memory, or (after a crash before the
/// indexing pass) in neither. The fake clock holds the once-a-second indexer, so each case is reached on purpose.
/// </summary>
public sealed class DeviceSamplesTests
{
    [Fact]
    public async Task ASampleId_IsStoredOnce_BeforeItsIndexPass_AfterIt_AndAfterACrashBetween()
    {
        using var directory = new TempDirectory();
        var options = HiPortalHostOptions.FakeClock(new FakeTimeProvider(DateTimeOffset.UtcNow)) with
        {
            DataDirectory = directory.Path,
            Provider = DatabaseProvider.Sqlite,
        };
        HiPortal.Contracts.CreatedDevice created;
        await using (var app = await HiPortalHost.StartAsync(options))
        {
            using var device = await app.CreateDeviceAsync("samples-once");
            created = device.Device;
            Assert.False((await device.OffloadAsync(1, "once-1")).Replayed);
            Assert.Equal(0, await EntriesAsync(app, created.DeviceId));

            // Known only to the writer's memory: the retry is answered from the stored row, which its read indexes.
            var retry = await device.OffloadAsync(1, "once-1");
            Assert.True(retry.Replayed);
            Assert.Equal(1, await EntriesAsync(app, created.DeviceId));

            // Indexed: the same again, and another payload under the id is a conflict.
            Assert.True((await device.OffloadAsync(1, "once-1")).Replayed);
            using (var conflict = await device.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(2, "once-1")))
            {
                Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
            }

            Assert.False((await device.OffloadAsync(2, "once-2")).Replayed);
            Assert.False((await device.OffloadAsync(3, "once-3")).Replayed);
            await app.StopAsync();
        }

        // A crash before the next pass: the last two decisions are stored and nothing indexed them.
        var database = new ServerDatabase(Path.Combine(directory.Path, "hiportal.db"));
        var firstUnindexed = await database.CountAsync("""SELECT MIN("Id") FROM "Decisions" WHERE "SampleId" IN ('once-2', 'once-3')""");
        await database.CountAsync("""DELETE FROM "DeviceSamples" WHERE "DecisionId" >= @id""", ("@id", firstUnindexed));
        await database.CountAsync("""DELETE FROM "DeviceDecisions" WHERE "DecisionId" >= @id""", ("@id", firstUnindexed));
        await database.CountAsync("""UPDATE "DeviceHistoryState" SET "IndexedThroughId" = @id - 1""", ("@id", firstUnindexed));

        await using var restarted = await HiPortalHost.StartAsync(options);
        using var again = restarted.CreateDeviceClient(created);
        var replayed = await again.OffloadAsync(2, "once-2");
        Assert.True(replayed.Replayed);
        using (var conflict = await again.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(4, "once-3")))
        {
            Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        }

        Assert.False((await again.OffloadAsync(5, "once-4")).Replayed);
        var rows = await restarted.Database.QueryAsync("""SELECT "SampleId" FROM "Decisions" WHERE "DeviceId" = @d ORDER BY "Id" """,
            r => r.GetString(0), ("@d", created.DeviceId));
        Assert.Equal(["once-1", "once-2", "once-3", "once-4"], rows);
        await restarted.Services.GetRequiredService<DeviceHistory>().CatchUpAsync(CancellationToken.None);
        Assert.Equal(4, await EntriesAsync(restarted, created.DeviceId));
    }

    /// <summary>
    /// Two servers of this build on one SQLite file (the SQLite form of the scale-out and failover tests): each writer
    /// knows in memory only the keys it stored itself, so a key the other stored since the last pass must be found in the
    /// database. The writer tells by <c>MAX(Id)</c>, which holds only because the ids are AUTOINCREMENT (never reused).
    /// Both writers are called directly, so the key reaches the second one however the lookups before the model raced;
    /// the first store on each makes its keys complete, so the second store is its fast path.
    /// </summary>
    [Fact]
    public async Task AKeyStoredByAnotherServerOnTheFile_IsNotStoredAgain_BeforeAnyPass()
    {
        using var directory = new TempDirectory();
        var options = HiPortalHostOptions.FakeClock(new FakeTimeProvider(DateTimeOffset.UtcNow)) with
        {
            DataDirectory = directory.Path,
            Provider = DatabaseProvider.Sqlite,
        };
        await using var a = await HiPortalHost.StartAsync(options);
        await using var b = await HiPortalHost.StartAsync(options);
        using var device = await a.CreateDeviceAsync("two-writers");
        var deviceId = device.Device.DeviceId;
        Assert.Equal(1, await a.Database.CountAsync(
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'Decisions' AND sql LIKE '%\"Id\" INTEGER NOT NULL%PRIMARY KEY AUTOINCREMENT%'"));
        var storeA = a.Services.GetRequiredService<IDecisionBatchStore>();
        var storeB = b.Services.GetRequiredService<IDecisionBatchStore>();

        Assert.Equal(new[] { true }, await storeA.InsertAsync([Row(deviceId, "a-0")]));
        Assert.Equal(new[] { true }, await storeB.InsertAsync([Row(deviceId, "b-0")]));

        Assert.Equal(new[] { true }, await storeA.InsertAsync([Row(deviceId, "both-1")]));
        Assert.Equal(new[] { false }, await storeB.InsertAsync([Row(deviceId, "both-1")]));
        Assert.Equal(new[] { true, false }, await storeB.InsertAsync([Row(deviceId, "both-2"), Row(deviceId, "both-2")]));
        Assert.Equal(new[] { false, true }, await storeA.InsertAsync([Row(deviceId, "both-2"), Row(deviceId, "both-3")]));
        Assert.Equal(new[] { false }, await storeB.InsertAsync([Row(deviceId, "both-3")]));

        var rows = await a.Database.QueryAsync("""SELECT "SampleId" FROM "Decisions" WHERE "DeviceId" = @d ORDER BY "Id" """,
            r => r.GetString(0), ("@d", deviceId));
        Assert.Equal(["a-0", "b-0", "both-1", "both-2", "both-3"], rows);
    }

    private static InferenceRequest Row(string deviceId, string sampleId)
    {
        var decision = new PendingDecision
        {
            DeviceId = deviceId,
            Fleet = "lab",
            SampleId = sampleId,
            PayloadHash = new string('0', 64),
            ReceivedAtMs = 1,
            InputBytes = 1,
        };
        var result = new InferenceResult([1f], [0f], 0, 1f, 1, 0, 0);
        decision.Resolve(result, "fashion-large", "1.0.0");
        var request = InferenceRequest.Create(new float[1], TimeProvider.System, TimeSpan.FromSeconds(5), decision);
        request.Result = result;
        return request;
    }

    private static Task<long> EntriesAsync(HiPortalHost app, string deviceId) =>
        app.Database.CountAsync("""SELECT COUNT(*) FROM "DeviceSamples" WHERE "DeviceId" = @d""", ("@d", deviceId));
}
