using HiPortal.Server.Alarms;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Server.Tests.Alarms;

/// <summary>
/// The drift detector sees every offload stored since the last evaluation however many there were, not the first
/// MaxDecisionsPerEvaluation of them: fed by the decision writer on a single instance, reading the table page after page
/// when the instance is one of several (Redis configured).
/// </summary>
public sealed class DriftKeepsUpTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OneEvaluation_FindsADriftBehindManyReadsWorthOfOffloads_AndReportsItOnce(bool scaleOut)
    {
        await using var redis = scaleOut ? await RedisServer.StartAsync() : null;
        var extra = new Dictionary<string, string?> { ["Alarms:Drift:MaxDecisionsPerEvaluation"] = "5" };
        if (redis is not null)
        {
            extra["ConnectionStrings:Redis"] = redis.ConnectionString;
            extra["ScaleOut:Deployment"] = "drift-" + Guid.NewGuid().ToString("n")[..8];
        }

        await using var app = await HiPortalHost.StartAsync(AlarmHosts.Settings(new HiPortalHostOptions(), extra));
        using var admin = await app.CreateAdminAsync();
        using var device = await app.CreateDeviceAsync("sensor", Samples.Unique("keeps-up"));
        await admin.ChangeFleetSettingsAsync(device.Fleet, new FleetSettingsRequest(RateLimitBurst: 1000));
        var detections = new List<DriftDetection>();
        var drift = app.Services.GetRequiredService<FleetDrift>();
        Task OnDetected(DriftDetection d)
        {
            detections.Add(d);
            return Task.CompletedTask;
        }

        drift.Detected += OnDetected;
        // The warm-up and two steady blocks, then one block whose confidence fell: 80 offloads, 16 reads of 5.
        var steady = (AlarmsFixture.DriftWarmupBlocks + 2) * AlarmsFixture.DriftBlock;
        for (var i = 0; i < steady + AlarmsFixture.DriftBlock; i++)
        {
            var k = i % AlarmsFixture.DriftBlock;
            await device.OffloadAsync(k, $"keeps-up-{i}", (i < steady ? 0.40 : 0.10) + (0.01 * k));
        }

        await AlarmHosts.EvaluateAsync(app);
        var detected = await admin.AlarmsAsync(AlarmKinds.Drift, AlarmKinds.Fleet(device.Fleet));
        await AlarmHosts.EvaluateAsync(app);

        Assert.True(Assert.Single(detected).IsOpen());
        Assert.Contains("local confidence", detected[0].GetProperty("detail").GetString());
        Assert.Equal(device.Fleet, Assert.Single(detections).Fleet);
    }
}
