using System.Net;

namespace HiPortal.Server.Tests;

/// <summary>A new device runs its fleet's configuration from version 1; a fleet outside the rules is never created.</summary>
public sealed class FleetDefaultsTests
{
    [Fact]
    public async Task NewDevice_RunsItsFleetsThreshold_AtVersionOne()
    {
        await using var host = await HiPortalHost.StartAsync();
        using var admin = await host.CreateAdminAsync();
        await admin.CreateFleetAsync(new CreateFleetRequest("night-shift", Threshold: 0.8));
        using var device = await host.CreateDeviceAsync("sensor", "night-shift");

        var config = await device.GetConfigAsync();

        Assert.Equal((1L, 0.8, "night-shift"), (config.Version, config.Threshold, config.Fleet));
    }

    [Fact]
    public async Task CreateFleet_FailsWithAProblemNamingThreshold_ForAThresholdAboveOne()
    {
        await using var host = await HiPortalHost.StartAsync();
        using var admin = await host.CreateAdminAsync();

        var failure = await Assert.ThrowsAsync<HiPortalApiException>(() => admin.CreateFleetAsync(new CreateFleetRequest("too-sure", Threshold: 1.5)));

        AssertProblem(failure, HttpStatusCode.BadRequest, "threshold");
        Assert.DoesNotContain((await admin.ListFleetsAsync()).EnumerateArray(), f => f.GetProperty("name").GetString() == "too-sure");
    }
}
