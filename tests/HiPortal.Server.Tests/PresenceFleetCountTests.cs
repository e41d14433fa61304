using HiPortal.Server.Presence;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Server.Tests;

/// <summary>Every kind of device request counts the device in its fleet's online number, not only in the total.</summary>
public sealed class PresenceFleetCountTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task TelemetryOnlyDevice_IsCountedOnlineInItsFleet()
    {
        var fleet = FleetApi.Unique("tel-only");
        var device = await server.App.CreateDeviceAsync("reporter", fleet);
        using var client = server.App.CreateDeviceClient(device);

        await TelemetryTests.PostOkAsync(client, TelemetryTests.Report(1));

        var online = server.App.Services.GetRequiredService<DevicePresence>().OnlineByFleet();
        Assert.Equal(1, online.GetValueOrDefault(fleet));
    }
}
