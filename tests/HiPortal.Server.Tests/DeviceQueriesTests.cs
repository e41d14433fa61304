namespace HiPortal.Server.Tests;

/// <summary>The device list sorts by each device's effective threshold: its override over its fleet's value.</summary>
public sealed class DeviceQueriesTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task ListDevices_SortedByThreshold_OrdersByOverrideOverFleetValue()
    {
        var fleet = FleetApi.Unique("sorted");
        using var admin = await server.App.CreateAdminClientAsync();
        await admin.CreateFleetAsync(fleet, new { threshold = 0.6 });
        var high = await server.App.CreateDeviceAsync("high", fleet);
        var plain = await server.App.CreateDeviceAsync("plain", fleet);
        var low = await server.App.CreateDeviceAsync("low", fleet);
        await admin.SetOverrideAsync(high.DeviceId, new { threshold = 0.9 });
        await admin.SetOverrideAsync(low.DeviceId, new { threshold = 0.2 });

        Assert.Equal([low.DeviceId, plain.DeviceId, high.DeviceId], await admin.DeviceIdsAsync($"fleet={fleet}&sort=threshold"));
        Assert.Equal([high.DeviceId, plain.DeviceId, low.DeviceId], await admin.DeviceIdsAsync($"fleet={fleet}&sort=threshold&descending=true"));
    }
}
