namespace HiPortal.Server.Tests;

/// <summary>The device list sorts by each device's effective threshold: its override over its fleet's value.</summary>
public sealed class DeviceQueriesTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task ListDevices_SortedByThreshold_OrdersByOverrideOverFleetValue()
    {
        var fleet = Samples.Unique("sorted");
        using var admin = await server.App.CreateAdminAsync();
        await admin.CreateFleetAsync(new CreateFleetRequest(fleet, Threshold: 0.6));
        var high = await server.App.RegisterDeviceAsync("high", fleet);
        var plain = await server.App.RegisterDeviceAsync("plain", fleet);
        var low = await server.App.RegisterDeviceAsync("low", fleet);
        await admin.SetOverrideAsync(high.DeviceId, new ConfigChange(Threshold: 0.9));
        await admin.SetOverrideAsync(low.DeviceId, new ConfigChange(Threshold: 0.2));

        Assert.Equal([low.DeviceId, plain.DeviceId, high.DeviceId], await admin.DeviceIdsAsync($"fleet={fleet}&sort=threshold"));
        Assert.Equal([high.DeviceId, plain.DeviceId, low.DeviceId], await admin.DeviceIdsAsync($"fleet={fleet}&sort=threshold&descending=true"));
    }
}
