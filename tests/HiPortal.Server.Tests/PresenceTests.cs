using System.Text.Json;
using HiPortal.Server.Persistence;
using HiPortal.Server.Presence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Server.Tests;

/// <summary>Online/offline from when a device was last heard, on a fake clock (Presence:OfflineAfter is 60 s).</summary>
public sealed class PresenceTests(FakeClockFixture server) : IClassFixture<FakeClockFixture>
{
    private static readonly TimeSpan s_offlineAfter = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Device_IsOfflineUntilItsFirstRequest()
    {
        using var admin = await server.App.CreateAdminAsync();
        var device = await server.App.RegisterDeviceAsync("silent", Samples.Unique("presence"));

        var row = (await admin.GetDeviceAsync(device.DeviceId)).GetProperty("device");

        Assert.False(row.GetProperty("online").GetBoolean());
        Assert.Equal(JsonValueKind.Null, row.GetProperty("lastSeenAt").ValueKind);
    }

    [Fact]
    public async Task Device_GoesOffline_OnceOfflineAfterHasPassedSinceItsLastOffload()
    {
        using var admin = await server.App.CreateAdminAsync();
        using var client = await server.App.CreateDeviceAsync("sensor", Samples.Unique("presence"));

        await client.OffloadAsync(0, "presence-0");
        var seenAt = server.Time.GetUtcNow();
        var online = (await admin.GetDeviceAsync(client.DeviceId)).GetProperty("device");
        server.Time.Advance(s_offlineAfter);
        var stillOnline = (await admin.GetDeviceAsync(client.DeviceId)).GetProperty("device");
        server.Time.Advance(TimeSpan.FromSeconds(1));
        var offline = (await admin.GetDeviceAsync(client.DeviceId)).GetProperty("device");

        Assert.True(online.GetProperty("online").GetBoolean());
        Assert.Equal(seenAt, online.GetProperty("lastSeenAt").GetDateTimeOffset());
        Assert.True(stillOnline.GetProperty("online").GetBoolean(), "exactly OfflineAfter after the last request is still online");
        Assert.False(offline.GetProperty("online").GetBoolean());
        Assert.Equal(seenAt, offline.GetProperty("lastSeenAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task OfflineDevice_ComesBackOnline_WithItsNextRequest()
    {
        using var admin = await server.App.CreateAdminAsync();
        using var client = await server.App.CreateDeviceAsync("sensor", Samples.Unique("presence"));
        await client.GetConfigAsync();
        server.Time.Advance(s_offlineAfter + TimeSpan.FromSeconds(5));
        Assert.False((await admin.GetDeviceAsync(client.DeviceId)).GetProperty("device").GetProperty("online").GetBoolean());

        await client.GetConfigAsync();

        Assert.True((await admin.GetDeviceAsync(client.DeviceId)).GetProperty("device").GetProperty("online").GetBoolean());
    }

    [Fact]
    public async Task DeviceList_FiltersByOnlineAndOffline_AfterLastSeenTimesAreWritten()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("presence");
        var early = await server.App.RegisterDeviceAsync("early", fleet);
        var late = await server.App.RegisterDeviceAsync("late", fleet);
        using var earlyClient = server.App.CreateDeviceClient(early);
        using var lateClient = server.App.CreateDeviceClient(late);
        var flusher = server.App.Services.GetRequiredService<PresenceFlusher>();

        await earlyClient.OffloadAsync(1, "early-1");
        server.Time.Advance(TimeSpan.FromSeconds(45));
        await lateClient.OffloadAsync(2, "late-2");
        server.Time.Advance(TimeSpan.FromSeconds(30));
        // The list filters in SQL on the stored last-seen time, which the flusher writes every FlushInterval.
        await flusher.FlushAsync(CancellationToken.None);

        Assert.Equal([late.DeviceId], await admin.DeviceIdsAsync($"fleet={fleet}&status=online"));
        Assert.Equal([early.DeviceId], await admin.DeviceIdsAsync($"fleet={fleet}&status=offline"));
    }

    [Fact]
    public async Task StoredLastSeen_IsReadBackAsWritten_AndNeverMovesBackwards()
    {
        var device = await server.App.RegisterDeviceAsync("forward", Samples.Unique("presence"));
        using var client = server.App.CreateDeviceClient(device);
        var presence = server.App.Services.GetRequiredService<DevicePresence>();
        var flusher = server.App.Services.GetRequiredService<PresenceFlusher>();
        var db = server.App.Services.GetRequiredService<IDbContextFactory<HiPortalDb>>();

        await client.OffloadAsync(3, "forward-1");
        var seen = server.Time.GetUtcNow();
        await flusher.FlushAsync(CancellationToken.None);
        // An older time for the same device (another instance's, or a requeued chunk's) must not overwrite it.
        presence.Requeue([new(device.DeviceId, seen - TimeSpan.FromMinutes(5))]);
        await flusher.FlushAsync(CancellationToken.None);

        await using var context = await db.CreateDbContextAsync();
        var stored = await context.Devices.Where(d => d.Id == device.DeviceId).Select(d => d.LastSeenAt).SingleAsync();
        // Written by a hand-made UPDATE, read by EF Core: the same instant (to the microsecond, PostgreSQL's precision),
        // so the two agree on the column's format.
        var expected = new DateTime(seen.UtcDateTime.Ticks / 10 * 10, DateTimeKind.Utc);
        Assert.Equal(expected, new DateTime(stored!.Value.Ticks / 10 * 10, DateTimeKind.Utc));
        // And EF Core's own comparison in SQL sees it as the newest time.
        Assert.Equal(1, await context.Devices.CountAsync(d => d.Id == device.DeviceId && d.LastSeenAt >= expected));
    }

    [Fact]
    public async Task RevokedDevice_IsNeverOnline()
    {
        using var admin = await server.App.CreateAdminAsync();
        using var client = await server.App.CreateDeviceAsync("revoked", Samples.Unique("presence"));
        await client.GetConfigAsync();

        using var revoke = await admin.PostAsync($"/api/v1/admin/devices/{client.DeviceId}/revoke", null);
        await revoke.JsonAsync(System.Net.HttpStatusCode.NoContent);

        var row = (await admin.GetDeviceAsync(client.DeviceId)).GetProperty("device");
        Assert.False(row.GetProperty("online").GetBoolean());
        Assert.True(row.GetProperty("revoked").GetBoolean());
    }
}
