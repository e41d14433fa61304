using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace HiPortal.Server.Tests;

/// <summary>Threshold advice from the offloads the server has seen, and applying it as an ordinary audited change.</summary>
public sealed class AdviceTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const double Current = 0.9;
    private const int Offloads = 20;

    [Fact]
    public async Task Advice_RecommendsOnlineAndCurveThresholdsNoHigherThanTheCurrentOne()
    {
        var (admin, fleet, _) = await AdvisedFleetAsync();
        using (admin)
        {
            var advice = await admin.AdviceAsync($"fleet={fleet}");

            Assert.Equal(("fleet", fleet, Current, Offloads), (advice.GetProperty("scope").GetString(), advice.GetProperty("target").GetString(),
                advice.GetProperty("currentThreshold").GetDouble(), advice.GetProperty("offloads").GetInt32()));
            var online = advice.GetProperty("online");
            Assert.Equal(Offloads, online.GetProperty("rounds").GetInt32());
            Assert.InRange(online.GetProperty("threshold").GetDouble(), 0, Current);
            var curve = advice.GetProperty("curve");
            Assert.Equal(Offloads, curve.GetProperty("labelled").GetInt32());
            Assert.InRange(curve.GetProperty("minCostThreshold").GetDouble(), 0, Current);
            Assert.InRange(curve.GetProperty("targetThreshold").GetDouble(), 0, Current);
        }
    }

    [Fact]
    public async Task Advice_HasNoRecommendation_ForAFleetWithoutOffloads()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("quiet");
        await admin.CreateFleetAsync(fleet);

        var advice = await admin.AdviceAsync($"fleet={fleet}");

        Assert.Equal(0, advice.GetProperty("offloads").GetInt32());
        Assert.Equal(JsonValueKind.Null, advice.GetProperty("online").ValueKind);
        Assert.Equal(JsonValueKind.Null, advice.GetProperty("curve").ValueKind);
    }

    [Fact]
    public async Task ApplyOnline_SetsTheFleetThresholdToTheAdvice_WithOneAuditRowAndNewVersions()
    {
        var (admin, fleet, devices) = await AdvisedFleetAsync();
        using (admin)
        {
            var advised = (await admin.AdviceAsync($"fleet={fleet}")).GetProperty("online").GetProperty("threshold").GetDouble();
            var versions = await Task.WhenAll(devices.Select(d => admin.VersionAsync(d.DeviceId)));

            using var response = await admin.PostAsJsonAsync("/api/v1/admin/advice/apply", new { fleet, source = "online", reason = "weekly review" });

            var result = await response.JsonAsync(HttpStatusCode.OK);
            var threshold = (await admin.GetFleetAsync(fleet)).GetProperty("desired").GetProperty("threshold").GetDouble();
            Assert.Equal(Math.Round(advised, 4), threshold);
            Assert.True(threshold < Current, $"the advice should lower the threshold; it is {threshold}");
            Assert.Equal(devices.Length, result.GetProperty("devicesBumped").GetInt32());
            Assert.Equal(versions.Select(v => v + 1), await Task.WhenAll(devices.Select(d => admin.VersionAsync(d.DeviceId))));
            var row = Assert.Single(await admin.AuditAsync($"target={fleet}&action=advice.apply"));
            Assert.Equal("weekly review", row.GetProperty("reason").GetString());
            Assert.Equal(threshold, row.Value("newValue").GetProperty("threshold").GetDouble());
        }
    }

    [Theory]
    [InlineData("min-cost", "minCostThreshold")]
    [InlineData("target", "targetThreshold")]
    public async Task ApplyCurve_SetsTheFleetThresholdToTheCurvesRecommendation(string source, string property)
    {
        var (admin, fleet, _) = await AdvisedFleetAsync();
        using (admin)
        {
            var advised = (await admin.AdviceAsync($"fleet={fleet}")).GetProperty("curve").GetProperty(property).GetDouble();

            using var response = await admin.PostAsJsonAsync("/api/v1/admin/advice/apply", new { fleet, source });

            await response.JsonAsync(HttpStatusCode.OK);
            Assert.Equal(Math.Round(advised, 4), (await admin.GetFleetAsync(fleet)).GetProperty("desired").GetProperty("threshold").GetDouble());
        }
    }

    [Fact]
    public async Task ApplyForADevice_OverridesOnlyThatDevice()
    {
        var (admin, fleet, devices) = await AdvisedFleetAsync();
        using (admin)
        {
            var advised = (await admin.AdviceAsync($"deviceId={devices[0].DeviceId}")).GetProperty("online").GetProperty("threshold").GetDouble();

            using var response = await admin.PostAsJsonAsync("/api/v1/admin/advice/apply", new { deviceId = devices[0].DeviceId, source = "online" });

            await response.JsonAsync(HttpStatusCode.OK);
            using var advisedDevice = server.App.CreateDeviceClient(devices[0]);
            using var otherDevice = server.App.CreateDeviceClient(devices[1]);
            Assert.Equal(Math.Round(advised, 4), (await advisedDevice.GetConfigAsync()).Threshold);
            Assert.Equal(Current, (await otherDevice.GetConfigAsync()).Threshold);
            Assert.Equal(Current, (await admin.GetFleetAsync(fleet)).GetProperty("desired").GetProperty("threshold").GetDouble());
            Assert.Equal("device", Assert.Single(await admin.AuditAsync($"target={devices[0].DeviceId}&action=advice.apply")).GetProperty("scope").GetString());
        }
    }

    [Fact]
    public async Task Apply_Returns409AndChangesNothing_WhenThereIsNoAdviceYet()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("quiet");
        await admin.CreateFleetAsync(new CreateFleetRequest(fleet, Threshold: Current));

        using var response = await admin.PostAsJsonAsync("/api/v1/admin/advice/apply", new { fleet, source = "online" });

        await AssertProblemAsync(response, HttpStatusCode.Conflict, "source");
        Assert.Equal(Current, (await admin.GetFleetAsync(fleet)).GetProperty("desired").GetProperty("threshold").GetDouble());
        Assert.Empty(await admin.AuditAsync($"target={fleet}&action=advice"));
    }

    [Theory]
    [InlineData("""{"source":"online"}""", "fleet")]
    [InlineData("""{"fleet":"default","deviceId":"dev_x","source":"online"}""", "fleet")]
    [InlineData("""{"fleet":"default","source":"gut-feeling"}""", "source")]
    [InlineData("""{"fleet":"default","beta":1.5}""", "beta")]
    [InlineData("""{"fleet":"default","targetGapPoints":-1}""", "targetGapPoints")]
    public async Task Apply_Returns400NamingTheField_ForABadRequest(string body, string field)
    {
        using var admin = await server.App.CreateAdminAsync();
        var before = (await admin.AuditAsync("action=advice")).Count;

        using var response = await admin.PostAsync("/api/v1/admin/advice/apply", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, field);
        Assert.Equal(before, (await admin.AuditAsync("action=advice")).Count);
    }

    [Theory]
    [InlineData("fleet=no-such-fleet", "fleet")]
    [InlineData("deviceId=dev_0000000000000000", "deviceId")]
    public async Task Advice_Returns404NamingTheScope_ForAnUnknownFleetOrDevice(string query, string field)
    {
        using var admin = await server.App.CreateAdminAsync();

        using var response = await admin.GetAsync($"/api/v1/admin/advice?{query}");

        await AssertProblemAsync(response, HttpStatusCode.NotFound, field);
    }

    /// <summary>A fleet at θ = 0.9 with two devices, one of which has posted labelled offloads.</summary>
    private async Task<(HiPortalClient Admin, string Fleet, CreatedDevice[] Devices)> AdvisedFleetAsync()
    {
        var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("advised");
        await admin.CreateFleetAsync(new CreateFleetRequest(fleet, Threshold: Current));
        // These tests are about applying advice: HIL-F moves θ on a few dozen offloads; HI-LCB-lite waits for evidence (FleetLearnerTests).
        await admin.ChangeFleetSettingsAsync(fleet, new FleetSettingsRequest(OnlineLearner: "hil-f"));
        var devices = new[] { await server.App.RegisterDeviceAsync("offloading", fleet), await server.App.RegisterDeviceAsync("idle", fleet) };
        using var device = server.App.CreateDeviceClient(devices[0]);
        await device.PostLabelledOffloadsAsync(Offloads, fleet);
        return (admin, fleet, devices);
    }
}
