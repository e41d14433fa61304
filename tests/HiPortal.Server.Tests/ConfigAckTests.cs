using System.Net;
using System.Net.Http.Json;

namespace HiPortal.Server.Tests;

/// <summary>Devices report what they applied: an applied ack moves a device from pending to applied, a rejected one keeps it pending.</summary>
public sealed class ConfigAckTests(ServerFixture server) : IClassFixture<ServerFixture>
{
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
        using var client = await server.App.CreateDeviceAsync("bad-ack", Samples.Unique("twin"));
        using var content = RawJson(body);

        using var response = await client.PostAsync("/api/v1/config/ack", content);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, field);
    }

    private static async Task AssertCountsAsync(HiPortalClient admin, string fleet, int applied, int pending)
    {
        var view = await admin.GetFleetAsync(fleet);
        Assert.Equal((applied, pending), (view.GetProperty("applied").GetInt32(), view.GetProperty("pending").GetInt32()));
    }

    private static List<string> Sorted(params string[] ids) => [.. ids.Order(StringComparer.Ordinal)];
}
