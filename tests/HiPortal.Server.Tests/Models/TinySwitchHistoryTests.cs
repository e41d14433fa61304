using System.Net;
using System.Text.Json;

namespace HiPortal.Server.Tests.Models;

/// <summary>A tiny-model switch is a configuration change of every device in the fleet: versioned, in the history, audited.</summary>
public sealed class TinySwitchHistoryTests
{
    [Fact]
    public async Task SwitchingTheTinyModel_AddsADesiredVersionToEachDevicesHistory_AndAnAuditRow()
    {
        using var v1 = new TestModel("trace-tiny", "1.0.0", seed: 61, hidden: 0);
        using var v2 = new TestModel("trace-tiny", "2.0.0", seed: 62, hidden: 0);
        using var large = new TestModel("trace-large", "1.0.0", seed: 63, hidden: 0);
        await using var app = await HiPortalHost.StartAsync();
        using var admin = await app.CreateAdminAsync();
        await TestModel.CreateFleetAsync(admin, "traced", v1, large, v2);
        var devices = new[] { await admin.RegisterDeviceAsync("traced-1", "traced"), await admin.RegisterDeviceAsync("traced-2", "traced") };
        var before = await admin.VersionAsync(devices[0].DeviceId);

        await admin.SetFleetModelsAsync("traced", new FleetModelsRequest(Tiny: v2.Reference, Reason: "roll out tiny 2.0.0"));
        // The same pair again changes nothing a device runs: no new version.
        await admin.SetFleetModelsAsync("traced", new FleetModelsRequest(Tiny: v2.Reference));

        foreach (var device in devices)
        {
            var newest = (await HistoryAsync(admin, device.DeviceId))[0];
            Assert.Equal(("desired", before + 1), (newest.GetProperty("kind").GetString(), newest.GetProperty("version").GetInt64()));
            using var detail = JsonDocument.Parse(newest.GetProperty("detail").GetString()!);
            Assert.Equal("trace-tiny@2.0.0", detail.RootElement.GetProperty("tinyModel").GetString());
            Assert.True(detail.RootElement.TryGetProperty("threshold", out _));
            Assert.Equal(before + 1, await admin.VersionAsync(device.DeviceId));
        }

        var audit = await admin.AuditAsync("target=traced&action=fleet.models");
        var switched = Assert.Single(audit, row => row.Value("newValue").GetProperty("tiny").GetString() == "trace-tiny@2.0.0" &&
            row.Value("oldValue").GetProperty("tiny").GetString() == "trace-tiny@1.0.0");
        Assert.Equal("roll out tiny 2.0.0", switched.GetProperty("reason").GetString());

        // A θ change afterwards leaves the same kind of row, naming the tiny model then in force.
        await admin.ChangeFleetConfigAsync("traced", new ConfigChange(Threshold: 0.66));
        var afterTheta = (await HistoryAsync(admin, devices[0].DeviceId))[0];
        using var thetaDetail = JsonDocument.Parse(afterTheta.GetProperty("detail").GetString()!);
        Assert.Equal(before + 2, afterTheta.GetProperty("version").GetInt64());
        Assert.Equal(0.66, thetaDetail.RootElement.GetProperty("threshold").GetDouble());
        Assert.Equal("trace-tiny@2.0.0", thetaDetail.RootElement.GetProperty("tinyModel").GetString());
    }

    /// <summary>The device's config history, newest first.</summary>
    private static async Task<List<JsonElement>> HistoryAsync(HiPortalClient admin, string deviceId)
    {
        using var response = await admin.GetAsync($"/api/v1/admin/devices/{deviceId}/config-history");
        return (await response.JsonAsync(HttpStatusCode.OK)).EnumerateArray().ToList();
    }
}
