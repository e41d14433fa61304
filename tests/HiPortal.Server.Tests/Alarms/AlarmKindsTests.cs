using System.Net;
using System.Net.Http.Json;
using HiPortal.Server.Advice;
using HiPortal.Server.Alarms;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Server.Tests.Alarms;

/// <summary>Each fleet and device alarm kind raised by real requests, held by its hysteresis, deduplicated, audited and cleared.</summary>
public sealed class AlarmKindsTests(AlarmsFixture server) : IClassFixture<AlarmsFixture>
{
    [Fact]
    public async Task DeviceOffline_RaisesAfterRaiseAfterSilentEvaluations_AndClearsWhenTheDeviceIsHeardAgain()
    {
        using var admin = await server.App.CreateAdminAsync();
        using var device = await server.App.CreateDeviceAsync("sensor", Samples.Unique("offline"));
        var scope = AlarmKinds.Device(device.DeviceId);
        await device.GetConfigAsync();
        await server.EvaluateAsync(AlarmsFixture.RaiseAfter + 1);
        Assert.Empty(await admin.AlarmsAsync(AlarmKinds.DeviceOffline, scope));

        server.Time.Advance(TimeSpan.FromSeconds(61));
        await server.EvaluateAsync(AlarmsFixture.RaiseAfter - 1);
        var held = await admin.AlarmsAsync(AlarmKinds.DeviceOffline, scope);
        await server.EvaluateAsync(1);
        var raised = await admin.AlarmsAsync(AlarmKinds.DeviceOffline, scope);
        await server.EvaluateAsync(3);
        var stillOne = await admin.AlarmsAsync(AlarmKinds.DeviceOffline, scope);

        await device.GetConfigAsync();
        await server.EvaluateAsync(AlarmsFixture.ClearAfter);
        var cleared = await admin.AlarmsAsync(AlarmKinds.DeviceOffline, scope);

        Assert.Empty(held);
        Assert.True(Assert.Single(raised).IsOpen());
        Assert.Single(stillOne);
        Assert.False(Assert.Single(cleared).IsOpen());
        Assert.Equal(["alarm.raise", "alarm.clear"], await admin.AlarmAuditAsync(scope));
    }

    [Fact]
    public async Task AgreementDrop_RaisesWhenTheLargeModelDisagrees_AndClearsWhenAgreementRecovers()
    {
        using var admin = await server.App.CreateAdminAsync();
        using var device = await server.App.CreateDeviceAsync("sensor", Samples.Unique("agree"));
        var scope = AlarmKinds.Fleet(device.Fleet);
        for (var i = 0; i < 8; i++)
        {
            await device.OffloadAsync(i, $"wrong-{i}", localClass: (Samples.Test.Label(i) + 1) % 10);
        }

        await server.EvaluateAsync(AlarmsFixture.RaiseAfter);
        var raised = await admin.AlarmsAsync(AlarmKinds.AgreementDrop, scope);
        for (var i = 0; i < 40; i++)
        {
            await device.OffloadAsync(i, $"right-{i}");
        }

        await server.EvaluateAsync(AlarmsFixture.ClearAfter);
        var cleared = await admin.AlarmsAsync(AlarmKinds.AgreementDrop, scope);

        Assert.True(Assert.Single(raised).IsOpen());
        Assert.True(raised[0].GetProperty("value").GetDouble() < 0.5);
        Assert.False(Assert.Single(cleared).IsOpen());
    }

    [Fact]
    public async Task OffloadRate_RaisesAboveItsBand_AndClearsBackInsideIt()
    {
        using var admin = await server.App.CreateAdminAsync();
        using var device = await server.App.CreateDeviceAsync("sensor", Samples.Unique("rate"));
        var scope = AlarmKinds.Fleet(device.Fleet);
        await PostTelemetryAsync(device, 1, samples: 100, offloaded: 90);

        await server.EvaluateAsync(AlarmsFixture.RaiseAfter);
        var raised = await admin.AlarmsAsync(AlarmKinds.OffloadRate, scope);
        await PostTelemetryAsync(device, 2, samples: 2000, offloaded: 200);
        await server.EvaluateAsync(AlarmsFixture.ClearAfter);
        var cleared = await admin.AlarmsAsync(AlarmKinds.OffloadRate, scope);

        Assert.True(Assert.Single(raised).IsOpen());
        Assert.Equal(0.9, raised[0].GetProperty("value").GetDouble(), 3);
        Assert.False(Assert.Single(cleared).IsOpen());
    }

    [Fact]
    public async Task Drift_IsDetectedFromOffloadedConfidences_ResetsTheFleetsLearnerHook_AndClearsOnceTheNewRegimeHolds()
    {
        using var admin = await server.App.CreateAdminAsync();
        using var device = await server.App.CreateDeviceAsync("sensor", Samples.Unique("drift"));
        // The fake clock never refills the fleet's token bucket: give it room for every offload of this test.
        await admin.ChangeFleetSettingsAsync(device.Fleet, new FleetSettingsRequest(RateLimitBurst: 1000));
        var scope = AlarmKinds.Fleet(device.Fleet);
        var detections = new List<DriftDetection>();
        var drift = server.App.Services.GetRequiredService<FleetDrift>();
        Task OnDetected(DriftDetection d)
        {
            if (d.Fleet == device.Fleet)
            {
                detections.Add(d);
            }

            return Task.CompletedTask;
        }

        drift.Detected += OnDetected;
        try
        {
            // Blocks repeat exactly (period = block size), so the in-control statistic stays at zero, not near h by chance.
            var warmupAndSteady = (AlarmsFixture.DriftWarmupBlocks + 2) * AlarmsFixture.DriftBlock;
            await OffloadsAsync(device, "before", warmupAndSteady, 0.40);
            await server.EvaluateAsync();
            var beforeDrift = await admin.AlarmsAsync(AlarmKinds.Drift, scope);
            var learners = server.App.Services.GetRequiredService<FleetLearners>();
            await learners.AdvanceAsync(await FleetRowAsync(device.Fleet), 0.3, CancellationToken.None);
            var learnedBeforeDrift = learners.Current(device.Fleet);

            await OffloadsAsync(device, "after", AlarmsFixture.DriftBlock, 0.10);
            await server.EvaluateAsync();
            var detected = await admin.AlarmsAsync(AlarmKinds.Drift, scope);
            var learnedAfterDrift = learners.Current(device.Fleet);

            await OffloadsAsync(device, "settled", 2 * AlarmsFixture.DriftWarmupBlocks * AlarmsFixture.DriftBlock, 0.10);
            await server.EvaluateAsync();
            var settled = await admin.AlarmsAsync(AlarmKinds.Drift, scope);

            Assert.Empty(beforeDrift);
            Assert.True(Assert.Single(detected).IsOpen());
            Assert.Contains("local confidence", detected[0].GetProperty("detail").GetString());
            Assert.Single(detections);
            Assert.Equal((long)warmupAndSteady, learnedBeforeDrift?.Rounds);
            Assert.Null(learnedAfterDrift); // the detection restarted the fleet's online learner
            Assert.False(Assert.Single(settled).IsOpen());
            Assert.Equal(["alarm.raise", "alarm.clear"], await admin.AlarmAuditAsync(scope));
        }
        finally
        {
            drift.Detected -= OnDetected;
        }
    }

    [Fact]
    public async Task RolloutGate_IsRaisedOnceAndClearedThroughIAlarmRaiser_AndAnAdminAcknowledgesIt()
    {
        using var admin = await server.App.CreateAdminAsync();
        using var reader = await server.App.CreateOperatorAsync(Samples.Unique("op"));
        var raiser = server.App.Services.GetRequiredService<IAlarmRaiser>();
        var scope = "rollout:" + Samples.Unique("r");

        var first = await raiser.RaiseAsync(AlarmKinds.RolloutGate, scope, "agreement 0.71 < gate 0.9", 0.71);
        var second = await raiser.RaiseAsync(AlarmKinds.RolloutGate, scope, "agreement 0.70 < gate 0.9", 0.70);
        var open = Assert.Single(await admin.AlarmsAsync(AlarmKinds.RolloutGate, scope));
        var id = open.GetProperty("id").GetInt64();
        using var forbidden = await reader.PostAsync(Routes.AlarmAcknowledge(id), null);
        using var acknowledged = await admin.PostAsync(Routes.AlarmAcknowledge(id), null);
        using var missing = await admin.PostAsync(Routes.AlarmAcknowledge(long.MaxValue), null);
        var cleared = await raiser.ClearAsync(AlarmKinds.RolloutGate, scope, "rolled back");
        var clearedAgain = await raiser.ClearAsync(AlarmKinds.RolloutGate, scope, "rolled back");
        var after = Assert.Single(await reader.AlarmsAsync(AlarmKinds.RolloutGate, scope));

        Assert.True(first);
        Assert.False(second);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(HttpStatusCode.OK, acknowledged.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.True(cleared);
        Assert.False(clearedAgain);
        Assert.False(after.IsOpen());
        Assert.Equal("admin", after.GetProperty("acknowledgedBy").GetString());
        Assert.Equal(["alarm.raise", "alarm.acknowledge", "alarm.clear"], await admin.AlarmAuditAsync(scope));
    }

    [Theory]
    [InlineData("take=0", "take")]
    [InlineData("skip=-1", "skip")]
    [InlineData("kind=nonsense", "kind")]
    public async Task ListAlarms_Answers400NamingTheField_ForBadQueries(string query, string field)
    {
        using var admin = await server.App.CreateAdminAsync();

        using var response = await admin.GetAsync($"{Routes.Alarms}?{query}");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task ListAlarms_Answers401WithoutACredential()
    {
        using var anonymous = server.App.CreateAnonymousClient();

        using var response = await anonymous.GetAsync(Routes.Alarms);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private static async Task OffloadsAsync(HiPortalClient device, string prefix, int count, double baseConfidence)
    {
        for (var i = 0; i < count; i++)
        {
            var k = i % AlarmsFixture.DriftBlock;
            await device.OffloadAsync(k, $"{prefix}-{i}", baseConfidence + (0.01 * k));
        }
    }

    private async Task PostTelemetryAsync(HiPortalClient device, long sequence, long samples, long offloaded)
    {
        var end = server.Time.GetUtcNow().AddSeconds(-1);
        using var response = await device.PostAsJsonAsync(Routes.Telemetry, new TelemetryBatch(
        [
            new TelemetryPeriod
            {
                Sequence = sequence, PeriodStart = end.AddSeconds(-10), PeriodEnd = end, Samples = samples,
                DecidedLocally = samples - offloaded, Offloaded = offloaded, LocalInferenceMicros = samples * 900,
                BytesSent = offloaded * 784, OffloadRttMicrosSum = 0, OffloadRttCount = 0, EnergyJoules = 0.1, Dropped = 0,
            },
        ]));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<HiPortal.Server.Fleets.Fleet> FleetRowAsync(string fleet)
    {
        await using var db = await server.App.Services.GetRequiredService<IDbContextFactory<HiPortal.Server.Persistence.HiPortalDb>>().CreateDbContextAsync();
        return await db.Fleets.AsNoTracking().SingleAsync(f => f.Name == fleet);
    }
}
