using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace HiPortal.Server.Tests;

public sealed class RoleChangeTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task DemotedAdmin_LosesAdminRights_WithTheTokenTheyAlreadyHold()
    {
        using var admin = await server.App.CreateAdminAsync();
        var username = Samples.Unique("second");
        using (var created = await admin.PostAsJsonAsync("/api/v1/admin/users", new { username, password = "a-long-password", role = "Admin" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using var second = server.App.CreateClient();
        using (var tokenResponse = await second.PostAsJsonAsync("/api/v1/auth/token", new { username, password = "a-long-password" }))
        {
            var token = await tokenResponse.Content.ReadFromJsonAsync<TokenResponse>();
            second.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token!.Token);
        }

        using (var before = await second.PostAsJsonAsync("/api/v1/admin/fleets", new { name = Samples.Unique("f") }))
        {
            Assert.Equal(HttpStatusCode.Created, before.StatusCode);
        }

        using (var demoted = await admin.PutAsJsonAsync($"/api/v1/admin/users/{username}/role", new { role = "Operator" }))
        {
            Assert.Equal(HttpStatusCode.OK, demoted.StatusCode);
        }

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
        var device = await server.App.RegisterDeviceAsync("limited-device", fleet);
        using var client = server.App.CreateDeviceClient(device);

        using var first = await client.GetAsync("/v2/models/large");
        using var second = await client.PostAsJsonAsync("/api/v1/telemetry", new { reports = Array.Empty<object>() });

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.NotNull(second.Headers.RetryAfter);
    }
}
