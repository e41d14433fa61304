using System.Net;
using System.Net.Http.Json;

namespace HiPortal.Server.Tests;

public sealed class RoleChangeTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task DemotedAdmin_LosesAdminRights_WithTheTokenTheyAlreadyHold()
    {
        using var admin = await server.App.CreateAdminAsync();
        var username = Samples.Unique("second");
        using var second = await server.App.CreateUserAsync(username, "Admin");

        using (var before = await second.PostAsJsonAsync("/api/v1/admin/fleets", new { name = Samples.Unique("f") }))
        {
            Assert.Equal(HttpStatusCode.Created, before.StatusCode);
        }

        await admin.SetRoleAsync(username, "Operator");

        using var after = await second.PostAsJsonAsync("/api/v1/admin/fleets", new { name = Samples.Unique("f") });
        Assert.Equal(HttpStatusCode.Forbidden, after.StatusCode);
        using var read = await second.GetAsync("/api/v1/admin/fleets");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    [Fact]
    public async Task TelemetryAndInference_SpendTheDevicesRateLimit()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("limited");
        await admin.CreateFleetAsync(fleet);
        await admin.ChangeFleetSettingsAsync(fleet, new FleetSettingsRequest(RateLimitPerSecond: 0.01, RateLimitBurst: 1));
        using var client = await server.App.CreateDeviceAsync("limited-device", fleet);

        using var first = await client.GetAsync("/v2/models/fashion-large");
        using var second = await client.PostAsJsonAsync("/api/v1/telemetry", new { reports = Array.Empty<object>() });

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.NotNull(second.Headers.RetryAfter);
    }
}
