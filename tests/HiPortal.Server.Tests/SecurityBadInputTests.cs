using System.Net;
using System.Text.Json.Nodes;
using HiPortal.Server.Identity;
using HiPortal.Server.Stats;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HiPortal.Server.Tests;

/// <summary>A server in the Production environment, where the attack ran: binder errors used to answer a bare 400 there.</summary>
public sealed class ProductionServerFixture : ServerFixture
{
    protected override HiPortalHostOptions Options => new() { Environment = "Production" };
}

/// <summary>Issue 14, findings 3, 8, 10, 11 and 14: every 400 names its field, in Production too.</summary>
public sealed class SecurityBadInputTests(ProductionServerFixture server) : IClassFixture<ProductionServerFixture>
{
    [Theory]
    [InlineData("PUT", "/api/v1/admin/fleets/lab/config", """{"threshold":NaN}""", "threshold")]
    [InlineData("PUT", "/api/v1/admin/fleets/lab/config", """{"threshold":"0.5"}""", "threshold")]
    [InlineData("POST", "/api/v1/admin/fleets", """{"name":5}""", "name")]
    [InlineData("POST", "/api/v1/admin/fleets", """{"name":"x","threshold":"0.7"}""", "threshold")]
    [InlineData("PUT", "/api/v1/admin/fleets/lab/settings", """{"rateLimitPerSecond":1e-300}""", "rateLimitPerSecond")]
    [InlineData("GET", "/api/v1/admin/audit?take=abc", null, "take")]
    [InlineData("GET", "/api/v1/stats/fleets/lab?from=notadate", null, "from")]
    public async Task BadInput_Gets400NamingTheField_InProduction(string method, string path, string? body, string field)
    {
        using var admin = await server.App.CreateAdminAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = body is null ? null : RawJson(body) };

        using var response = await admin.SendAsync(request);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task TruncatedJson_Gets400Problem_NamingWhereItStopped_InProduction()
    {
        using var admin = await server.App.CreateAdminAsync();

        using var response = await admin.PostAsync(Routes.Fleets, RawJson("""{"name":"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.NotEmpty(problem["errors"]!.AsObject());
    }

    [Theory]
    [InlineData("energyJoules", "1e308", "reports[0].energyJoules")]
    [InlineData("samples", "9223372036854775000", "reports[0].samples")]
    [InlineData("periodStart", "\"0001-01-01T00:00:00Z\"", "reports[0].periodStart")]
    [InlineData("periodEnd", "\"9999-01-01T00:00:00Z\"", "reports[0].periodEnd")]
    [InlineData("offloadRttCount", "9223372036854775000", "reports[0].offloadRttCount")]
    [InlineData("offloadRttMicrosSum", "9223372036854775000", "reports[0].offloadRttMicrosSum")]
    [InlineData("bytesSent", "9223372036854775000", "reports[0].bytesSent")]
    [InlineData("samples", "\"100\"", "reports[0].samples")]
    public async Task ImplausibleTelemetry_Gets400NamingTheField(string property, string json, string field)
    {
        var report = TelemetryTests.Report(1, samples: 100, decidedLocally: 90, offloaded: 10, periodEnd: DateTimeOffset.UtcNow);
        report[property] = JsonNode.Parse(json);

        using var response = await TelemetryTests.PostAsync(server.DeviceClient, TelemetryTests.Body(report));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task TelemetryPeriodOfTenYears_IsRefused()
    {
        var now = DateTimeOffset.UtcNow;
        var report = TelemetryTests.Report(1, periodEnd: now);
        report["periodStart"] = now.AddYears(-10).AddDays(1).ToString("O");

        using var response = await TelemetryTests.PostAsync(server.DeviceClient, TelemetryTests.Body(report));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public void StatsAggregates_Saturate_InsteadOfWrappingOrReachingInfinity()
    {
        Assert.Equal(long.MaxValue, Saturating.Add(long.MaxValue - 1, 5));
        Assert.Equal(long.MaxValue, Saturating.ToLong(1.8e19));
        Assert.Equal(double.MaxValue, Saturating.Add(1e308, 1e308));
        var counts = new StatsCounts { BytesSent = long.MaxValue, EnergyJoules = 1e308 };
        counts.Add(new StatsCounts { BytesSent = long.MaxValue, EnergyJoules = 1e308 });
        Assert.Equal(long.MaxValue, counts.BytesSent);
        Assert.True(double.IsFinite(counts.EnergyJoules));
    }

    [Fact]
    public async Task FleetStats_Answer200_OverRowsStoredBeforeTheBounds()
    {
        await TelemetryTests.PostOkAsync(server.DeviceClient, TelemetryTests.Report(1000, periodEnd: DateTimeOffset.UtcNow));
        // What an older server accepted: counters near 2^63 and a huge energy, written as an attacker left them.
        await server.App.Database.CountAsync(
            "UPDATE \"Telemetry\" SET \"BytesSent\" = 9223372036854775000, \"Samples\" = 9223372036854775000, \"EnergyJoules\" = 1e308 WHERE \"DeviceId\" = @d",
            ("@d", server.Device.DeviceId));
        using var admin = await server.App.CreateAdminAsync();

        var stats = await admin.DeviceStatsAsync(server.Device.DeviceId);

        Assert.DoesNotContain("\"bytesSent\":-", stats.GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/décisions?fleet=über", "/d%C3%A9cisions?fleet=%C3%BCber")]
    [InlineData("devices", "/devices")]
    [InlineData("//evil.example", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData(null, "/")]
    public void ReturnUrl_IsAlwaysALocalAsciiPath(string? returnUrl, string expected) =>
        Assert.Equal(expected, LocalReturnUrl.Sanitise(returnUrl));

    [Theory]
    [InlineData("/_framework/blazor.web.js")]
    [InlineData("/_content/MudBlazor/MudBlazor.min.css")]
    [InlineData("/css/hiportal.css")]
    public async Task DashboardAssets_AreServedWithContent_InProduction_FromTheBuildFolder(string path)
    {
        using var response = await server.Anonymous.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEmpty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public void Start_FailsLoudly_NamingTheMissingAssets_WhenThereAreNone()
    {
        var error = Assert.Throws<InvalidOperationException>(() => WebAssets.EnsurePresent(new Microsoft.Extensions.FileProviders.NullFileProvider()));

        Assert.Contains("_framework/blazor.web.js", error.Message, StringComparison.Ordinal);
        Assert.Contains("dotnet publish", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RejectedBearers_AreNotLoggedAtInformation()
    {
        var logs = server.App.Services.GetRequiredService<ILoggerFactory>();

        Assert.False(logs.CreateLogger(typeof(BearerAuthenticationHandler).FullName!).IsEnabled(LogLevel.Information));
        // The handler's own line (with the client address) is Debug: off at the default level.
        Assert.False(logs.CreateLogger(BearerAuthenticationHandler.RejectionLogCategory).IsEnabled(LogLevel.Debug));
    }
}
