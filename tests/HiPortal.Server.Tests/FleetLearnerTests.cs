using System.Net;
using HiPortal.Core.Online;
using HiPortal.Server.Advice;
using HiPortal.Server.Fleets;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Server.Tests;

/// <summary>
/// Auto mode with the fleet's own online learner (issue 13): the server feeds it every stored offload, labelled where
/// the device sent a label, and moves the fleet's θ where the learner says, within the fleet's offload cap.
/// </summary>
public sealed class FleetLearnerTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const int Offloads = 240;
    private const double Start = 0.8;

    [Fact]
    public async Task AutoMode_MovesTheFleetThresholdWhereHiLcbLiteSays_OnAStreamOfRealOffloads()
    {
        var (admin, fleet, stream) = await OffloadingFleetAsync(new FleetSettingsRequest(AutoThreshold: true, AutoThresholdMin: 0, AutoThresholdMax: 1));
        using (admin)
        {
            var expected = HiLcbLite.WarmStarted(0.3, seed: 17, Start, probeRate: 0);
            foreach (var (confidence, wrong) in stream)
                expected.Observe(new RoundFeedback(confidence, true, false, wrong));

            await server.App.Services.GetRequiredService<AutoThresholdService>().RunOnceAsync(CancellationToken.None);

            var threshold = (await admin.GetFleetAsync(fleet)).GetProperty("desired").GetProperty("threshold").GetDouble();
            Assert.Equal(Math.Round(expected.CurrentThreshold, 4), threshold);
            Assert.InRange(threshold, 0.25, 0.35); // local answers are wrong below 0.3 and right above: θ comes down to there
            var row = Assert.Single(await admin.AuditAsync($"target={fleet}&action=advice.auto"));
            Assert.Contains("hi-lcb-lite", row.GetProperty("reason").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AutoMode_KeepsTheThresholdUnderTheFleetsOffloadCap()
    {
        var (admin, fleet, stream) = await OffloadingFleetAsync(
            new FleetSettingsRequest(AutoThreshold: true, AutoThresholdMin: 0, AutoThresholdMax: 1, MaxOffloadFraction: 0.05));
        using (admin)
        {
            // 1,000 samples in the last hour: the cap allows 50 rule offloads, so θ may be no higher than the 51st confidence.
            using var device = server.App.CreateDeviceClient(await server.App.RegisterDeviceAsync(Samples.Unique("reporter"), fleet));
            await TelemetryTests.PostOkAsync(device, TelemetryTests.Report(1, 1000, 760, Offloads, periodEnd: DateTimeOffset.UtcNow.AddMinutes(-5)));

            await server.App.Services.GetRequiredService<AutoThresholdService>().RunOnceAsync(CancellationToken.None);

            var ceiling = stream.Select(s => s.Confidence).Order().ElementAt(50);
            Assert.Equal(Math.Round(ceiling, 4), (await admin.GetFleetAsync(fleet)).GetProperty("desired").GetProperty("threshold").GetDouble());
        }
    }

    [Theory]
    [InlineData("""{"onlineLearner":"gut-feeling"}""", "onlineLearner")]
    [InlineData("""{"maxOffloadFraction":0}""", "maxOffloadFraction")]
    [InlineData("""{"maxOffloadFraction":1.5}""", "maxOffloadFraction")]
    public async Task ChangeSettings_Returns400NamingTheField_ForAnUnknownLearnerOrABadCap(string body, string field)
    {
        using var admin = await server.App.CreateAdminAsync();
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        using var response = await admin.PutAsync(Routes.FleetSettings(Fleet.DefaultName), content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reset_ForgetsWhatTheFleetsLearnerLearned_AndDoesNotLearnTheOldOffloadsAgain()
    {
        var (admin, fleet, _) = await OffloadingFleetAsync(new FleetSettingsRequest());
        using (admin)
        {
            var learners = server.App.Services.GetRequiredService<FleetLearners>();
            var row = await FleetRowAsync(fleet);
            Assert.Equal(Offloads, (await learners.AdvanceAsync(row, 0.3, CancellationToken.None)).Rounds);

            learners.Reset(fleet);
            Assert.Null(learners.Current(fleet));

            // It starts again from the fleet's θ, on what is stored after the reset only: the offloads it had seen
            // describe the distribution before the drift that reset it.
            var state = await learners.AdvanceAsync(row, 0.3, CancellationToken.None);
            Assert.Equal((0L, Start), (state.Rounds, state.Threshold));
        }
    }

    /// <summary>A fleet at θ = 0.8 whose device offloaded 240 real test images with confidences spread over [0, 0.8):
    /// the local answer is wrong (by the label) below 0.3 and right above.</summary>
    private async Task<(HiPortalClient Admin, string Fleet, List<(double Confidence, bool Wrong)> Stream)> OffloadingFleetAsync(
        FleetSettingsRequest settings)
    {
        var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("learner");
        await admin.CreateFleetAsync(new CreateFleetRequest(fleet, Threshold: Start));
        // Room in the device's token bucket for the whole stream at once, however fast this machine posts it.
        await admin.ChangeFleetSettingsAsync(fleet, settings with { RateLimitBurst = 10 * Offloads });
        using var device = server.App.CreateDeviceClient(await server.App.RegisterDeviceAsync(Samples.Unique("offloader"), fleet));
        var stream = new List<(double, bool)>();
        for (var i = 0; i < Offloads; i++)
        {
            var confidence = Start * i / Offloads;
            var label = (int)Samples.Test.Label(i);
            var wrong = confidence < 0.3;
            await device.OffloadAsync(i, $"{fleet}-{i}", confidence, wrong ? (label + 1) % 10 : label);
            stream.Add((confidence, wrong));
        }

        return (admin, fleet, stream);
    }

    private async Task<Fleet> FleetRowAsync(string fleet)
    {
        var factory = server.App.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<HiPortal.Server.Persistence.HiPortalDb>>();
        await using var db = await factory.CreateDbContextAsync();
        return await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.FirstAsync(db.Fleets, f => f.Name == fleet);
    }
}
