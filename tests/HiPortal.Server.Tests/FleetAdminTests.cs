using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace HiPortal.Server.Tests;

/// <summary>
/// Bad admin input gets a 4xx problem naming the field at fault, never a 500, and a refused change changes nothing:
/// no fleet, no new version, no audit row.
/// </summary>
public sealed class FleetAdminTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    /// <summary>Body of a fleet creation (the name is added) → the field the problem must name (null: JSON the binder refuses).</summary>
    public static TheoryData<string, string?> BadFleets => new()
    {
        { """{"threshold":1.5}""", "threshold" },
        { """{"threshold":-0.01}""", "threshold" },
        { """{"threshold":"NaN"}""", null },
        { """{"threshold":1e999}""", null },
        { """{"rule":"coin-flip"}""", "rule" },
        { """{"rule":"top2-lr"}""", "coefficients" },
        { """{"rule":"top2-lr","coefficients":[0.1,2]}""", "coefficients" },
        { """{"coefficients":[1,2,3,4]}""", "coefficients" },
        { """{"telemetryIntervalSeconds":0}""", "telemetryIntervalSeconds" },
        { """{"telemetryIntervalSeconds":3601}""", "telemetryIntervalSeconds" },
        { """{"deviceProfile":"toaster"}""", "deviceProfile" },
        { """{"reason":"REASON"}""", "reason" },
    };

    /// <summary>A fleet configuration change → the field the problem must name (null: JSON the binder refuses).</summary>
    public static TheoryData<string, string?> BadChanges => new()
    {
        { """{"threshold":1.5}""", "threshold" },
        { """{"threshold":"NaN"}""", null },
        { """{"threshold":1e999}""", null },
        { """{"threshold":"high"}""", null },
        { """{"rule":"coin-flip"}""", "rule" },
        { """{"rule":"top2-lr"}""", "coefficients" },
        { """{"coefficients":[1,2]}""", "coefficients" },
        { """{"telemetryIntervalSeconds":0}""", "telemetryIntervalSeconds" },
        { """{"threshold":0.5,"reason":"REASON"}""", "reason" },
        { """{}""", "body" },
        { """null""", "body" },
        { """{"threshold":0.5""", null },
    };

    [Theory]
    [MemberData(nameof(BadFleets))]
    public async Task CreateFleet_Returns400NamingTheField_AndCreatesNothing(string body, string? field)
    {
        using var admin = await server.App.CreateAdminAsync();
        var name = Samples.Unique("refused");
        var json = $$"""{"name":"{{name}}",{{body.Replace("REASON", new string('r', 501), StringComparison.Ordinal)[1..]}}""";

        using var response = await admin.PostAsync("/api/v1/admin/fleets", RawJson(json));

        await AssertRefusedAsync(response, field);
        using var lookup = await admin.GetAsync($"/api/v1/admin/fleets/{name}");
        Assert.Equal(HttpStatusCode.NotFound, lookup.StatusCode);
        Assert.Empty(await admin.AuditAsync($"target={name}"));
    }

    [Theory]
    [InlineData("""{"name":"bad name!"}""", "name")]
    [InlineData("""{"name":""}""", "name")]
    [InlineData("""{}""", "name")]
    public async Task CreateFleet_Returns400NamingName_ForABadName(string body, string field)
    {
        using var admin = await server.App.CreateAdminAsync();

        using var response = await admin.PostAsync("/api/v1/admin/fleets", RawJson(body));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task CreateFleet_Returns409NamingName_ForAnExistingFleet()
    {
        using var admin = await server.App.CreateAdminAsync();
        var name = Samples.Unique("twice");
        await admin.CreateFleetAsync(new CreateFleetRequest(name, Threshold: 0.5));

        using var response = await admin.PostAsJsonAsync("/api/v1/admin/fleets", new { name, threshold = 0.9 });

        await AssertProblemAsync(response, HttpStatusCode.Conflict, "name");
        Assert.Equal(0.5, (await admin.GetFleetAsync(name)).GetProperty("desired").GetProperty("threshold").GetDouble());
    }

    [Fact]
    public async Task CreateFleet_StoresTheGivenConfiguration()
    {
        using var admin = await server.App.CreateAdminAsync();
        var name = Samples.Unique("configured");

        await admin.CreateFleetAsync(new CreateFleetRequest(name, Threshold: 0.4, Rule: "top2-lr", Coefficients: [0.5, -2.0, 3.0], TelemetryIntervalSeconds: 15));

        var desired = (await admin.GetFleetAsync(name)).GetProperty("desired");
        Assert.Equal(("top2-lr", 0.4, 15), (desired.GetProperty("rule").GetString(), desired.GetProperty("threshold").GetDouble(),
            desired.GetProperty("telemetryIntervalSeconds").GetInt32()));
        Assert.Equal([0.5, -2.0, 3.0], desired.GetProperty("coefficients").EnumerateArray().Select(c => c.GetDouble()));
    }

    [Theory]
    [MemberData(nameof(BadChanges))]
    public async Task ChangeFleetConfig_Returns400NamingTheField_AndChangesNothing(string body, string? field)
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("unchanged");
        var device = await server.App.RegisterDeviceAsync("unchanged", fleet);
        var before = await admin.GetFleetAsync(fleet);
        var auditBefore = (await admin.AuditAsync($"target={fleet}")).Count;

        using var response = await admin.PutAsync($"/api/v1/admin/fleets/{fleet}/config",
            RawJson(body.Replace("REASON", new string('r', 501), StringComparison.Ordinal)));

        await AssertRefusedAsync(response, field);
        Assert.Equal(before.GetProperty("desired").ToString(), (await admin.GetFleetAsync(fleet)).GetProperty("desired").ToString());
        Assert.Equal(1, await admin.VersionAsync(device.DeviceId));
        Assert.Equal(auditBefore, (await admin.AuditAsync($"target={fleet}")).Count);
    }

    [Fact]
    public async Task ChangeFleetConfig_Returns404NamingFleet_ForAnUnknownFleet()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("missing");

        using var response = await admin.PutAsJsonAsync($"/api/v1/admin/fleets/{fleet}/config", new { threshold = 0.5 });

        await AssertProblemAsync(response, HttpStatusCode.NotFound, "fleet");
        Assert.Empty(await admin.AuditAsync($"target={fleet}"));
    }

    [Theory]
    [InlineData("/settings", "PUT")]
    [InlineData("", "GET")]
    public async Task FleetRoutes_Return404NamingFleet_ForAnUnknownFleet(string suffix, string method)
    {
        using var admin = await server.App.CreateAdminAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), $"/api/v1/admin/fleets/{Samples.Unique("missing")}{suffix}")
        {
            Content = method == "PUT" ? JsonContent.Create(new { rateLimitBurst = 5 }) : null,
        };

        using var response = await admin.SendAsync(request);

        await AssertProblemAsync(response, HttpStatusCode.NotFound, "fleet");
    }

    [Theory]
    [InlineData("""{"rateLimitPerSecond":0}""", "rateLimitPerSecond")]
    [InlineData("""{"rateLimitPerSecond":-5}""", "rateLimitPerSecond")]
    [InlineData("""{"rateLimitBurst":0}""", "rateLimitBurst")]
    [InlineData("""{"deviceProfile":"toaster"}""", "deviceProfile")]
    [InlineData("""{"autoThresholdMin":1.5}""", "autoThresholdMin")]
    [InlineData("""{"autoThresholdMax":-1}""", "autoThresholdMax")]
    [InlineData("""{"autoThresholdMin":0.9,"autoThresholdMax":0.5}""", "autoThresholdMin")]
    [InlineData("""{"rateLimitPerSecond":"NaN"}""", null)]
    public async Task ChangeFleetSettings_Returns400NamingTheField_AndChangesNothing(string body, string? field)
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("settings");
        await admin.CreateFleetAsync(fleet);
        var before = await admin.GetFleetAsync(fleet);

        using var response = await admin.PutAsync($"/api/v1/admin/fleets/{fleet}/settings", RawJson(body));

        await AssertRefusedAsync(response, field);
        Assert.Equal(before.ToString(), (await admin.GetFleetAsync(fleet)).ToString());
        Assert.Empty(await admin.AuditAsync($"target={fleet}&action=fleet.settings"));
    }

    [Fact]
    public async Task CreateDevice_Returns400NamingFleet_ForAnUnknownFleet()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("missing");
        var name = Samples.Unique("orphan");

        using var response = await admin.PostAsJsonAsync("/api/v1/admin/devices", new { name, fleet });

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "fleet");
        Assert.Equal(0, (await admin.ListDevicesAsync($"name={name}")).GetProperty("total").GetInt32());
    }

    [Theory]
    [InlineData("""{"threshold":2}""", "threshold")]
    [InlineData("""{"rule":"top2-lr"}""", "coefficients")]
    [InlineData("""{"coefficients":[1]}""", "coefficients")]
    [InlineData("""{}""", "body")]
    public async Task SetOverride_Returns400NamingTheField_AndChangesNothing(string body, string field)
    {
        using var admin = await server.App.CreateAdminAsync();
        var device = await server.App.RegisterDeviceAsync("override", Samples.Unique("override"));

        using var response = await admin.PutAsync($"/api/v1/admin/devices/{device.DeviceId}/config", RawJson(body));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, field);
        var detail = await admin.GetDeviceAsync(device.DeviceId);
        Assert.Equal(1, detail.GetProperty("device").GetProperty("configVersion").GetInt64());
        Assert.False(detail.GetProperty("device").GetProperty("hasOverride").GetBoolean());
        Assert.Empty(await admin.AuditAsync($"target={device.DeviceId}&action=device.config"));
    }

    [Theory]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task DeviceOverride_Returns404NamingDeviceId_ForAnUnknownDevice(string method)
    {
        using var admin = await server.App.CreateAdminAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), "/api/v1/admin/devices/dev_0000000000000000/config")
        {
            Content = method == "PUT" ? JsonContent.Create(new { threshold = 0.5 }) : null,
        };

        using var response = await admin.SendAsync(request);

        await AssertProblemAsync(response, HttpStatusCode.NotFound, "deviceId");
    }

    [Theory]
    [InlineData("page=0", "page")]
    [InlineData("page=-3", "page")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=501", "pageSize")]
    [InlineData("status=asleep", "status")]
    [InlineData("page=abc", null)]
    [InlineData("pageSize=1e3", null)]
    public async Task ListDevices_Returns400_ForABadQuery(string query, string? field)
    {
        using var admin = await server.App.CreateAdminAsync();

        using var response = await admin.GetAsync($"/api/v1/admin/devices?{query}");

        await AssertRefusedAsync(response, field);
    }

    [Fact]
    public async Task ListDevices_ReturnsAnEmptyPage_BeyondTheLastOne()
    {
        using var admin = await server.App.CreateAdminAsync();

        var page = await admin.ListDevicesAsync($"page={int.MaxValue}&pageSize=500");

        Assert.True(page.GetProperty("total").GetInt32() > 0);
        Assert.Equal(0, page.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task ListDevices_PagesThroughAFleetInNameOrder()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("paged");
        foreach (var name in new[] { "c", "a", "e", "b", "d" })
        {
            await server.App.RegisterDeviceAsync(name, fleet);
        }

        var pages = new List<JsonElement>();
        for (var page = 1; page <= 3; page++)
        {
            pages.Add(await admin.ListDevicesAsync($"fleet={fleet}&page={page}&pageSize=2"));
        }

        Assert.All(pages, p => Assert.Equal(5, p.GetProperty("total").GetInt32()));
        Assert.Equal(["a", "b", "c", "d", "e"],
            pages.SelectMany(p => p.GetProperty("items").EnumerateArray()).Select(d => d.GetProperty("name").GetString()));
    }

    /// <summary>
    /// 400 with a problem body; where the server's own validation refused it, the problem names the field. JSON the
    /// binder cannot read (a string for a number, 1e999, a cut-off object) is refused before any handler sees it.
    /// </summary>
    private static async Task AssertRefusedAsync(HttpResponseMessage response, string? field)
    {
        if (field is not null)
        {
            await AssertProblemAsync(response, HttpStatusCode.BadRequest, field);
            return;
        }

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
