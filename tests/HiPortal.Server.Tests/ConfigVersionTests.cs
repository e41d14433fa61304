using System.Net;
using System.Text.Json;

namespace HiPortal.Server.Tests;

/// <summary>The desired version bumps exactly when a device's effective configuration changes, once per change, and every offload answer carries it.</summary>
public sealed class ConfigVersionTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task FleetThresholdChange_BumpsExactlyTheDevicesWithoutAThresholdOverride()
    {
        using var admin = await server.App.CreateAdminAsync();
        var (fleet, plain1, plain2, overridden) = await FleetWithAThresholdOverrideAsync(admin);
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
        var (fleet, plain1, plain2, overridden) = await FleetWithAThresholdOverrideAsync(admin);
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
    public async Task OffloadResponses_CarryTheNewConfigVersion_AfterAChange()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("twin");
        using var client = await server.App.CreateDeviceAsync("offloader", fleet);
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
        using var client = await server.App.CreateDeviceAsync("overridden", fleet);

        var set = await admin.SetOverrideAsync(client.DeviceId, new ConfigChange(Threshold: 0.4));
        var overridden = await client.GetConfigAsync();
        var cleared = await admin.ClearOverrideAsync(client.DeviceId);
        var restored = await client.GetConfigAsync();

        Assert.Equal(1, set.GetProperty("devicesBumped").GetInt32());
        Assert.Equal((0.4, 2L), (overridden.Threshold, overridden.Version));
        Assert.Equal(1, cleared.GetProperty("devicesBumped").GetInt32());
        Assert.Equal((0.62, 3L), (restored.Threshold, restored.Version));
        Assert.False((await admin.GetDeviceAsync(client.DeviceId)).GetProperty("device").GetProperty("hasOverride").GetBoolean());
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
        using var client = await server.App.CreateDeviceAsync("historic", fleet);
        await admin.ChangeFleetConfigAsync(fleet, new ConfigChange(Threshold: 0.81));
        await client.AckAsync(2);

        using var response = await admin.GetAsync($"/api/v1/admin/devices/{client.DeviceId}/config-history");

        var events = (await response.JsonAsync(HttpStatusCode.OK)).EnumerateArray().ToList();
        Assert.Equal([("applied", 2L), ("desired", 2L)], events.Select(e => (e.GetProperty("kind").GetString()!, e.GetProperty("version").GetInt64())));
        using var desired = JsonDocument.Parse(events[1].GetProperty("detail").GetString()!);
        Assert.Equal(0.81, desired.RootElement.GetProperty("threshold").GetDouble());
    }

    /// <summary>A fresh fleet of two plain devices and one whose threshold is overridden to 0.5.</summary>
    private async Task<(string Fleet, CreatedDevice Plain1, CreatedDevice Plain2, CreatedDevice Overridden)> FleetWithAThresholdOverrideAsync(
        HiPortalClient admin)
    {
        var fleet = Samples.Unique("twin");
        var plain1 = await server.App.RegisterDeviceAsync("plain-1", fleet);
        var plain2 = await server.App.RegisterDeviceAsync("plain-2", fleet);
        var overridden = await server.App.RegisterDeviceAsync("overridden", fleet);
        await admin.SetOverrideAsync(overridden.DeviceId, new ConfigChange(Threshold: 0.5));
        return (fleet, plain1, plain2, overridden);
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
}
