using HiPortal.Server.Presence;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Server.Tests;

/// <summary>Every kind of device request counts the device in its fleet's online number, not only in the total.</summary>
public sealed class PresenceFleetCountTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task TelemetryOnlyDevice_IsCountedOnlineInItsFleet()
    {
        var fleet = Samples.Unique("tel-only");
        using var client = await server.App.CreateDeviceAsync("reporter", fleet);

        await TelemetryTests.PostOkAsync(client, TelemetryTests.Report(1));

        var online = server.App.Services.GetRequiredService<DevicePresence>().OnlineByFleet();
        Assert.Equal(1, online.GetValueOrDefault(fleet));
    }
}
