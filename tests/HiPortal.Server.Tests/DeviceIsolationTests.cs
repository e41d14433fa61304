using System.Net;
using System.Net.Http.Json;

namespace HiPortal.Server.Tests;

/// <summary>A device sees and acknowledges only its own configuration; an operator's refused change leaves no trace.</summary>
public sealed class DeviceIsolationTests(MatrixServer server) : IClassFixture<MatrixServer>
{
    [Fact]
    public async Task DeviceConfig_IsTheCallingDevicesOwn()
    {
        using var a = server.App.CreateDeviceClient(server.DeviceA);
        using var b = server.App.CreateDeviceClient(server.DeviceB);

        var configA = await a.GetConfigAsync();
        var configB = await b.GetConfigAsync();

        Assert.Equal(MatrixServer.ThresholdA, configA.Threshold);
        Assert.Equal(3, configA.Version);
        Assert.Equal(MatrixServer.ThresholdB, configB.Threshold);
        Assert.Equal(2, configB.Version);
    }

    [Fact]
    public async Task DeviceAck_Returns400NamingVersion_ForAVersionOnlyAnotherDeviceHas()
    {
        using var b = server.App.CreateDeviceClient(server.DeviceB);
        var reportedA = await ReportedAsync(server.DeviceA);
        var reportedB = await ReportedAsync(server.DeviceB);

        using var response = await b.PostAsJsonAsync("/api/v1/config/ack", new { version = 3, status = "applied" });

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "version");
        Assert.Equal(reportedA, await ReportedAsync(server.DeviceA));
        Assert.Equal(reportedB, await ReportedAsync(server.DeviceB));
    }

    [Fact]
    public async Task Operator_IsRefusedAChange_AndTheChangeLeavesNoTrace()
    {
        var before = await server.Admin.GetFleetAsync(MatrixServer.Fleet);

        var refused = await Assert.ThrowsAsync<HiPortalApiException>(() =>
            server.Operator.ChangeFleetConfigAsync(MatrixServer.Fleet, new ConfigChange(Threshold: 0.99)));

        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        var after = await server.Admin.GetFleetAsync(MatrixServer.Fleet);
        Assert.Equal(before.GetProperty("desired").GetProperty("threshold").GetDouble(), after.GetProperty("desired").GetProperty("threshold").GetDouble());
        Assert.Empty(await server.Admin.AuditAsync($"actor={MatrixServer.OperatorName}"));
    }

    private async Task<string> ReportedAsync(CreatedDevice device)
    {
        var row = (await server.Admin.GetDeviceAsync(device.DeviceId)).GetProperty("device");
        return $"{row.GetProperty("reportedVersion")} {row.GetProperty("reportedStatus")}";
    }
}
