using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HiPortal.Server.Alarms;
using HiPortal.Server.Persistence;
using HiPortal.Server.Tests.Alarms;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Server.Tests.Api;

/// <summary>
/// A timestamp read back from the database says it is UTC ("Z" or "+00:00"), as the write's answer did, and is the
/// same instant. SQLite keeps them as text without an offset: read back unmarked, a client outside UTC took them for
/// its local time.
/// </summary>
public sealed class TimestampsTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task UserList_AndItsAuditRow_ReadBackCreatedAt_AsTheUtcInstantTheCreateAnswered()
    {
        using var admin = await server.App.CreateAdminAsync();
        var username = Samples.Unique("utc");

        using var create = await admin.PostAsJsonAsync(Routes.Users, new { username, password = HiPortalHost.UserPassword, role = "Operator" });
        var createdAt = Utc((await create.JsonAsync(HttpStatusCode.Created)).GetProperty("createdAt"));
        using var list = await admin.GetAsync(Routes.Users);
        var listed = (await list.JsonAsync(HttpStatusCode.OK)).EnumerateArray().Single(u => u.GetProperty("username").GetString() == username);
        var audit = Assert.Single(await admin.AuditAsync($"scope=user&target={username}"));

        AssertSameInstant(createdAt, Utc(listed.GetProperty("createdAt")));
        AssertSameInstant(createdAt, Utc(audit.GetProperty("at")));
    }

    [Fact]
    public async Task DeviceDetail_AndConfigHistory_ReadBackEveryTimestampAsUtc()
    {
        using var admin = await server.App.CreateAdminAsync();
        using var device = await server.App.CreateDeviceAsync("utc", Samples.Unique("utc"));
        await admin.SetOverrideAsync(device.DeviceId, new ConfigChange(Threshold: 0.55));
        await device.AckAsync((await device.GetConfigAsync()).Version, message: "applied");
        await admin.RotateKeyAsync(device.DeviceId);
        await admin.RevokeKeyAsync(device.DeviceId, device.Device.KeyId);

        var detail = await admin.GetDeviceAsync(device.DeviceId);
        using var history = await admin.GetAsync($"{Routes.Device(device.DeviceId)}/config-history");
        var events = await history.JsonAsync(HttpStatusCode.OK);

        Assert.Equal(2, detail.GetProperty("keys").GetArrayLength());
        // Two keys' createdAt, the old key's revokedAt, reportedAt and the device's lastSeenAt.
        Assert.Equal(5, Timestamps(detail).Count);
        var firstKey = detail.GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("keyId").GetString() == device.Device.KeyId);
        var registered = Assert.Single(await admin.AuditAsync($"scope=device&target={device.DeviceId}&action=device.create"));
        Assert.Equal(Utc(registered.GetProperty("at")), Utc(firstKey.GetProperty("createdAt")));
        Assert.Equal(["applied", "desired"], events.EnumerateArray().Select(e => e.GetProperty("kind").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(2, Timestamps(events).Count);
    }

    [Fact]
    public async Task AlarmList_ReadsBackRaisedClearedAndAcknowledgedAt_AsTheUtcInstantsTheAcknowledgeAnswered()
    {
        using var admin = await server.App.CreateAdminAsync();
        var raiser = server.App.Services.GetRequiredService<IAlarmRaiser>();
        var scope = "rollout:" + Samples.Unique("utc");
        await raiser.RaiseAsync(AlarmKinds.RolloutGate, scope, "agreement 0.71 < gate 0.9", 0.71);
        var id = Assert.Single(await admin.AlarmsAsync(AlarmKinds.RolloutGate, scope)).GetProperty("id").GetInt64();

        using var acknowledge = await admin.PostAsync(Routes.AlarmAcknowledge(id), null);
        var acknowledged = await acknowledge.JsonAsync(HttpStatusCode.OK);
        await raiser.ClearAsync(AlarmKinds.RolloutGate, scope, "rolled back");
        var listed = Assert.Single(await admin.AlarmsAsync(AlarmKinds.RolloutGate, scope));

        Assert.Equal(2, Timestamps(acknowledged).Count);
        Assert.Equal(3, Timestamps(listed).Count);
        AssertSameInstant(Utc(acknowledged.GetProperty("raisedAt")), Utc(listed.GetProperty("raisedAt")));
        AssertSameInstant(Utc(acknowledged.GetProperty("acknowledgedAt")), Utc(listed.GetProperty("acknowledgedAt")));
    }

    [Fact]
    public async Task Rollout_ReadsBackItsAndItsDevicesTimestamps_AsTheUtcInstantsTheCreateAnswered()
    {
        var fleet = Samples.Unique("utc");
        using var device = await server.App.CreateDeviceAsync("utc", fleet);
        using var admin = await server.App.CreateAdminAsync();

        var created = await admin.CreateRolloutAsync(new CreateRolloutRequest(fleet, Threshold: 0.7, Stages: [new(100, 0, 100)],
            Gates: new RolloutGatesRequest(AckTimeoutSeconds: 3600)));
        var read = await admin.GetRolloutAsync(created.GetProperty("rollout").GetProperty("id").GetInt64());

        var written = Timestamps(created);
        Assert.Equal(4, written.Count); // stageStartedAt, createdAt, updatedAt and the device's changedAt
        Assert.Equal(written.Count, Timestamps(read).Count);
        foreach (var (before, after) in written.Zip(Timestamps(read)))
        {
            AssertSameInstant(before, after);
        }
    }

    /// <summary>Every timestamp in <paramref name="json"/> (a property named <c>at</c> or <c>…At</c>), in document order, each asserted UTC.</summary>
    private static List<DateTimeOffset> Timestamps(JsonElement json)
    {
        var found = new List<DateTimeOffset>();
        Collect(json, found);
        return found;

        static void Collect(JsonElement json, List<DateTimeOffset> found)
        {
            if (json.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in json.EnumerateArray())
                {
                    Collect(item, found);
                }
            }
            else if (json.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in json.EnumerateObject())
                {
                    if (property.Value.ValueKind == JsonValueKind.String && (property.Name == "at" || property.Name.EndsWith("At", StringComparison.Ordinal)))
                    {
                        found.Add(Utc(property.Value));
                    }
                    else
                    {
                        Collect(property.Value, found);
                    }
                }
            }
        }
    }

    /// <summary>The instant a timestamp names, asserted to carry a zero offset: without one a client reads its own local time.</summary>
    private static DateTimeOffset Utc(JsonElement timestamp)
    {
        var text = timestamp.GetString()!;
        Assert.True(text.EndsWith('Z') || text.EndsWith("+00:00", StringComparison.Ordinal), $"'{text}' has no UTC offset");
        return DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Equal instants; PostgreSQL keeps microseconds, so the write's seventh decimal may not come back there.</summary>
    private void AssertSameInstant(DateTimeOffset written, DateTimeOffset read)
    {
        var tolerance = server.App.Provider == DatabaseProvider.Postgres ? TimeSpan.FromMicroseconds(1) : TimeSpan.Zero;
        Assert.True((written - read).Duration() <= tolerance, $"written {written:O}, read back {read:O}");
    }
}
