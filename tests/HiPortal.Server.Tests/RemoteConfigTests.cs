using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using HiPortal.Server.Presence;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Server.Tests;

/// <summary>
/// The device twin: desired versions bump exactly when a device's effective configuration changes; devices read
/// it with ETags and long-polls, report what they applied, and see the version on every offload.
/// </summary>
public sealed class RemoteConfigTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task FleetThresholdChange_BumpsExactlyTheDevicesWithoutAThresholdOverride()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("twin");
        var plain1 = await server.App.RegisterDeviceAsync("plain-1", fleet);
        var plain2 = await server.App.RegisterDeviceAsync("plain-2", fleet);
        var overridden = await server.App.RegisterDeviceAsync("overridden", fleet);
        await admin.SetOverrideAsync(overridden.DeviceId, new ConfigChange(Threshold: 0.5));
        var before = await VersionsAsync(admin, plain1, plain2, overridden);

        var result = await admin.ChangeFleetConfigAsync(fleet, new ConfigChange(Threshold: 0.8));

        Assert.Equal(2, result.GetProperty("devicesBumped").GetInt32());
        Assert.Equal(new[] { before[0] + 1, before[1] + 1, before[2] }, await VersionsAsync(admin, plain1, plain2, overridden));
        using var overriddenClient = server.App.CreateDeviceClient(overridden);
        Assert.Equal(0.5, (await overriddenClient.GetConfigAsync()).Threshold);
        using var plainClient = server.App.CreateDeviceClient(plain1);
        Assert.Equal(0.8, (await plainClient.GetConfigAsync()).Threshold);
    }

    [Fact]
    public async Task FleetTelemetryIntervalChange_BumpsEveryDevice_WhenOnlyTheThresholdIsOverridden()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("twin");
        var plain1 = await server.App.RegisterDeviceAsync("plain-1", fleet);
        var plain2 = await server.App.RegisterDeviceAsync("plain-2", fleet);
        var overridden = await server.App.RegisterDeviceAsync("overridden", fleet);
        await admin.SetOverrideAsync(overridden.DeviceId, new ConfigChange(Threshold: 0.5));
        var before = await VersionsAsync(admin, plain1, plain2, overridden);

        var result = await admin.ChangeFleetConfigAsync(fleet, new ConfigChange(TelemetryIntervalSeconds: 30));

        Assert.Equal(3, result.GetProperty("devicesBumped").GetInt32());
        Assert.Equal(before.Select(v => v + 1), await VersionsAsync(admin, plain1, plain2, overridden));
        using var overriddenClient = server.App.CreateDeviceClient(overridden);
        var config = await overriddenClient.GetConfigAsync();
        Assert.Equal(30, config.TelemetryIntervalSeconds);
        Assert.Equal(0.5, config.Threshold);
    }

    [Fact]
    public async Task FleetChange_BumpsNothing_WhenTheEffectiveConfigurationIsTheSame()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("twin");
        var device = await server.App.RegisterDeviceAsync("same", fleet);
        var threshold = (await admin.GetFleetAsync(fleet)).GetProperty("desired").GetProperty("threshold").GetDouble();

        var result = await admin.ChangeFleetConfigAsync(fleet, new ConfigChange(Threshold: threshold));

        Assert.Equal(0, result.GetProperty("devicesBumped").GetInt32());
        Assert.Equal(1, await admin.VersionAsync(device.DeviceId));
    }

    [Fact]
    public async Task GetConfig_Returns304WithTheETag_ForIfNoneMatchOfTheCurrentVersion()
    {
        var device = await server.App.RegisterDeviceAsync("etag", Samples.Unique("twin"));
        using var client = server.App.CreateDeviceClient(device);
        using var first = await client.GetAsync("/api/v1/config");
        var etag = first.Headers.ETag;

        using var again = await client.SendAsync(ConfigRequest(etag!.Tag));

        Assert.Equal("\"v1\"", etag.Tag);
        Assert.Equal(1, (await first.JsonAsync(HttpStatusCode.OK)).GetProperty("version").GetInt64());
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        Assert.Equal(etag, again.Headers.ETag);
        Assert.Empty(await again.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task GetConfig_Returns200WithTheNewVersion_ForIfNoneMatchOfAnOlderVersion()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("twin");
        var device = await server.App.RegisterDeviceAsync("etag", fleet);
        using var client = server.App.CreateDeviceClient(device);
        await admin.ChangeFleetConfigAsync(fleet, new ConfigChange(Threshold: 0.7));

        using var response = await client.SendAsync(ConfigRequest("\"v1\""));

        var config = await response.JsonAsync(HttpStatusCode.OK);
        Assert.Equal(2, config.GetProperty("version").GetInt64());
        Assert.Equal(0.7, config.GetProperty("threshold").GetDouble());
        Assert.Equal("\"v2\"", response.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task LongPoll_AnswersWithTheNewVersionWithin1s_OfAnAdminChange()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("twin");
        var device = await server.App.RegisterDeviceAsync("poller", fleet);
        using var client = server.App.CreateDeviceClient(device);

        var poll = client.SendAsync(ConfigRequest("\"v1\"", waitSeconds: 10));
        await PollHasArrivedAsync(device.DeviceId);
        Assert.False(poll.IsCompleted, "the poll should wait while nothing has changed");
        var sinceChange = Stopwatch.StartNew();
        await admin.ChangeFleetConfigAsync(fleet, new ConfigChange(Threshold: 0.75));
        using var response = await poll;
        sinceChange.Stop();

        var config = await response.JsonAsync(HttpStatusCode.OK);
        Assert.Equal(2, config.GetProperty("version").GetInt64());
        Assert.Equal(0.75, config.GetProperty("threshold").GetDouble());
        Assert.Equal("\"v2\"", response.Headers.ETag?.Tag);
        Assert.True(sinceChange.Elapsed < TimeSpan.FromSeconds(1), $"answered {sinceChange.Elapsed.TotalMilliseconds:0} ms after the change");
    }

    [Fact]
    public async Task LongPoll_Returns304_WhenNothingChangesWithinTheWait()
    {
        var device = await server.App.RegisterDeviceAsync("poller", Samples.Unique("twin"));
        using var client = server.App.CreateDeviceClient(device);
        var waited = Stopwatch.StartNew();

        using var response = await client.SendAsync(ConfigRequest("\"v1\"", waitSeconds: 1));

        waited.Stop();
        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Equal("\"v1\"", response.Headers.ETag?.Tag);
        Assert.True(waited.Elapsed >= TimeSpan.FromMilliseconds(950), $"answered after {waited.Elapsed.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task LongPoll_AnswersAtOnce_WhenTheDeviceHasNoVersionYet()
    {
        var device = await server.App.RegisterDeviceAsync("booting", Samples.Unique("twin"));
        using var client = server.App.CreateDeviceClient(device);
        var waited = Stopwatch.StartNew();

        using var response = await client.GetAsync("/api/v1/config?waitSeconds=5");

        waited.Stop();
        Assert.Equal(1, (await response.JsonAsync(HttpStatusCode.OK)).GetProperty("version").GetInt64());
        Assert.True(waited.Elapsed < TimeSpan.FromSeconds(2), $"a device with nothing should not wait; it waited {waited.Elapsed.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task LongPoll_AnswersAtOnce_WhenTheDeviceIsBehind()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("twin");
        var device = await server.App.RegisterDeviceAsync("behind", fleet);
        using var client = server.App.CreateDeviceClient(device);
        await admin.ChangeFleetConfigAsync(fleet, new ConfigChange(Threshold: 0.6));
        var waited = Stopwatch.StartNew();

        using var response = await client.SendAsync(ConfigRequest("\"v1\"", waitSeconds: 5));

        waited.Stop();
        Assert.Equal(2, (await response.JsonAsync(HttpStatusCode.OK)).GetProperty("version").GetInt64());
        Assert.True(waited.Elapsed < TimeSpan.FromSeconds(2), $"waited {waited.Elapsed.TotalMilliseconds:0} ms");
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(61)]
    public async Task LongPoll_Returns400NamingWaitSeconds_OutsideTheAllowedRange(int waitSeconds)
    {
        using var response = await server.DeviceClient.GetAsync($"/api/v1/config?waitSeconds={waitSeconds}");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "waitSeconds");
    }

    [Fact]
    public async Task AckApplied_MovesTheDeviceFromPendingToApplied_AndAChangeMovesItBack()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("twin");
        var acking = await server.App.RegisterDeviceAsync("acking", fleet);
        var silent = await server.App.RegisterDeviceAsync("silent", fleet);
        using var client = server.App.CreateDeviceClient(acking);
        Assert.Equal(Sorted(acking.DeviceId, silent.DeviceId), Sorted([.. await admin.DeviceIdsAsync($"fleet={fleet}&status=pending")]));
        await AssertCountsAsync(admin, fleet, applied: 0, pending: 2);

        var version = (await client.GetConfigAsync()).Version;
        var ack = await client.AckAsync(version);

        Assert.Equal(version, ack.ConfigVersion);
        Assert.Equal([silent.DeviceId], await admin.DeviceIdsAsync($"fleet={fleet}&status=pending"));
        Assert.Equal([acking.DeviceId], await admin.DeviceIdsAsync($"fleet={fleet}&status=applied"));
        await AssertCountsAsync(admin, fleet, applied: 1, pending: 1);
        var row = (await admin.GetDeviceAsync(acking.DeviceId)).GetProperty("device");
        Assert.False(row.GetProperty("pending").GetBoolean());
        Assert.Equal(version, row.GetProperty("reportedVersion").GetInt64());
        Assert.Equal("applied", row.GetProperty("reportedStatus").GetString());

        await admin.ChangeFleetConfigAsync(fleet, new ConfigChange(Threshold: 0.72));

        Assert.Empty(await admin.DeviceIdsAsync($"fleet={fleet}&status=applied"));
        await AssertCountsAsync(admin, fleet, applied: 0, pending: 2);
    }

    [Fact]
    public async Task DeviceListStatus_AgreesWithTheFleetCounts_ForARevokedDevice()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("twin");
        var device = await server.App.RegisterDeviceAsync("applied-then-revoked", fleet);
        using (var client = server.App.CreateDeviceClient(device))
        {
            await client.AckAsync((await client.GetConfigAsync()).Version);
        }

        using var revoke = await admin.PostAsync($"/api/v1/admin/devices/{device.DeviceId}/revoke", null);
        await revoke.JsonAsync(HttpStatusCode.NoContent);

        await AssertCountsAsync(admin, fleet, applied: 0, pending: 0);
        Assert.Empty(await admin.DeviceIdsAsync($"fleet={fleet}&status=applied"));
        Assert.Empty(await admin.DeviceIdsAsync($"fleet={fleet}&status=pending"));
        Assert.Equal([device.DeviceId], await admin.DeviceIdsAsync($"fleet={fleet}&status=revoked"));
    }

    [Fact]
    public async Task ConcurrentFleetChanges_EachBumpTheVersionOnce_AndEachLeaveOneAuditRow()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("twin");
        var device = await server.App.RegisterDeviceAsync("contended", fleet);
        var thresholds = Enumerable.Range(1, 8).Select(i => 0.5 + (i / 100.0)).ToList();

        var results = await Task.WhenAll(thresholds.Select(t => admin.ChangeFleetConfigAsync(fleet, new ConfigChange(Threshold: t))));

        Assert.All(results, r => Assert.Equal(1, r.GetProperty("devicesBumped").GetInt32()));
        Assert.Equal(1 + thresholds.Count, await admin.VersionAsync(device.DeviceId));
        using var history = await admin.GetAsync($"/api/v1/admin/devices/{device.DeviceId}/config-history");
        var desired = (await history.JsonAsync(HttpStatusCode.OK)).EnumerateArray().Select(e => e.GetProperty("version").GetInt64()).Order();
        Assert.Equal(Enumerable.Range(2, thresholds.Count).Select(v => (long)v), desired);
        Assert.Equal(thresholds.Count, (await admin.AuditAsync($"target={fleet}&action=fleet.config")).Count);
        // The last change to commit is the one in force: its audit row is the newest.
        var newest = (await admin.AuditAsync($"target={fleet}&action=fleet.config&take=1"))[0].Value("newValue").GetProperty("threshold").GetDouble();
        Assert.Equal(newest, (await admin.GetFleetAsync(fleet)).GetProperty("desired").GetProperty("threshold").GetDouble());
    }

    [Fact]
    public async Task AckRejected_KeepsTheDevicePending_AndRecordsTheMessage()
    {
        var fleet = Samples.Unique("twin");
        var device = await server.App.RegisterDeviceAsync("rejecting", fleet);
        using var admin = await server.App.CreateAdminAsync();
        using var client = server.App.CreateDeviceClient(device);

        using var response = await client.PostAsJsonAsync("/api/v1/config/ack", new { version = 1, status = "rejected", message = "threshold out of range for firmware 1.2" });

        await response.JsonAsync(HttpStatusCode.OK);
        Assert.Equal([device.DeviceId], await admin.DeviceIdsAsync($"fleet={fleet}&status=pending"));
        var detail = await admin.GetDeviceAsync(device.DeviceId);
        Assert.Equal("rejected", detail.GetProperty("device").GetProperty("reportedStatus").GetString());
        Assert.Equal("threshold out of range for firmware 1.2", detail.GetProperty("reportedMessage").GetString());
    }

    [Theory]
    [InlineData("""{"status":"applied"}""", "version")]
    [InlineData("""{"version":0,"status":"applied"}""", "version")]
    [InlineData("""{"version":2,"status":"applied"}""", "version")]
    [InlineData("""{"version":1,"status":"done"}""", "status")]
    [InlineData("""{"version":1}""", "status")]
    public async Task Ack_Returns400NamingTheField_ForABadReport(string body, string field)
    {
        var device = await server.App.RegisterDeviceAsync("bad-ack", Samples.Unique("twin"));
        using var client = server.App.CreateDeviceClient(device);
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        using var response = await client.PostAsync("/api/v1/config/ack", content);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task OffloadResponses_CarryTheNewConfigVersion_AfterAChange()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("twin");
        var device = await server.App.RegisterDeviceAsync("offloader", fleet);
        using var client = server.App.CreateDeviceClient(device);
        var before = await client.OffloadAsync(0, "version-before");

        await admin.ChangeFleetConfigAsync(fleet, new ConfigChange(Threshold: 0.77));
        var after = await client.OffloadAsync(1, "version-after");

        Assert.Equal(1, before.ConfigVersion);
        Assert.Equal(2, after.ConfigVersion);
    }

    [Fact]
    public async Task ClearOverride_RestoresTheFleetValue_AndBumpsTheVersion()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("twin");
        await admin.CreateFleetAsync(new CreateFleetRequest(fleet, Threshold: 0.62));
        var device = await server.App.RegisterDeviceAsync("overridden", fleet);
        using var client = server.App.CreateDeviceClient(device);

        var set = await admin.SetOverrideAsync(device.DeviceId, new ConfigChange(Threshold: 0.4));
        var overridden = await client.GetConfigAsync();
        var cleared = await admin.ClearOverrideAsync(device.DeviceId);
        var restored = await client.GetConfigAsync();

        Assert.Equal(1, set.GetProperty("devicesBumped").GetInt32());
        Assert.Equal((0.4, 2L), (overridden.Threshold, overridden.Version));
        Assert.Equal(1, cleared.GetProperty("devicesBumped").GetInt32());
        Assert.Equal((0.62, 3L), (restored.Threshold, restored.Version));
        Assert.False((await admin.GetDeviceAsync(device.DeviceId)).GetProperty("device").GetProperty("hasOverride").GetBoolean());
    }

    [Fact]
    public async Task ClearOverride_KeepsTheVersion_WhenThereWasNoOverride()
    {
        using var admin = await server.App.CreateAdminAsync();
        var device = await server.App.RegisterDeviceAsync("plain", Samples.Unique("twin"));

        var cleared = await admin.ClearOverrideAsync(device.DeviceId);

        Assert.Equal(0, cleared.GetProperty("devicesBumped").GetInt32());
        Assert.Equal(1, await admin.VersionAsync(device.DeviceId));
    }

    [Fact]
    public async Task ConfigHistory_HoldsTheDesiredVersionAndTheDevicesReport()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("twin");
        var device = await server.App.RegisterDeviceAsync("historic", fleet);
        using var client = server.App.CreateDeviceClient(device);
        await admin.ChangeFleetConfigAsync(fleet, new ConfigChange(Threshold: 0.81));
        await client.AckAsync(2);

        using var response = await admin.GetAsync($"/api/v1/admin/devices/{device.DeviceId}/config-history");

        var events = (await response.JsonAsync(HttpStatusCode.OK)).EnumerateArray().ToList();
        Assert.Equal([("applied", 2L), ("desired", 2L)], events.Select(e => (e.GetProperty("kind").GetString()!, e.GetProperty("version").GetInt64())));
        using var desired = JsonDocument.Parse(events[1].GetProperty("detail").GetString()!);
        Assert.Equal(0.81, desired.RootElement.GetProperty("threshold").GetDouble());
    }

    private static HttpRequestMessage ConfigRequest(string etag, int? waitSeconds = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, waitSeconds is { } w ? $"/api/v1/config?waitSeconds={w}" : "/api/v1/config");
        request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(etag));
        return request;
    }

    /// <summary>
    /// Waits until the server has taken the device's poll (the handler marks the device seen first thing). Nothing
    /// outside the server signals that a request is parked, so this watches the in-memory presence it records.
    /// </summary>
    private async Task PollHasArrivedAsync(string deviceId)
    {
        var presence = server.App.Services.GetRequiredService<DevicePresence>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (presence.LastSeen(deviceId, null) is null)
        {
            await Task.Delay(5, timeout.Token);
        }
    }

    private static async Task<List<long>> VersionsAsync(HiPortalClient admin, params CreatedDevice[] devices)
    {
        var versions = new List<long>();
        foreach (var device in devices)
        {
            versions.Add(await admin.VersionAsync(device.DeviceId));
        }

        return versions;
    }

    private static async Task AssertCountsAsync(HiPortalClient admin, string fleet, int applied, int pending)
    {
        var view = await admin.GetFleetAsync(fleet);
        Assert.Equal((applied, pending), (view.GetProperty("applied").GetInt32(), view.GetProperty("pending").GetInt32()));
    }

    private static List<string> Sorted(params string[] ids) => [.. ids.Order(StringComparer.Ordinal)];
}
