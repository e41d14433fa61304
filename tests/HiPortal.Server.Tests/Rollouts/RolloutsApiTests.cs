using System.Net;
using System.Text.Json;
using HiPortal.Server.Alarms;
using HiPortal.Server.Tests.Alarms;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Server.Tests.Rollouts;

/// <summary>The rollout lifecycle through the admin API on a fake clock: soak, gates, promotion, rollback, actions, audit.</summary>
public sealed class RolloutsApiTests(RolloutFixture server) : IClassFixture<RolloutFixture>
{
    private static readonly RolloutGatesRequest s_band = new(MinOffloadRate: 0.05, MaxOffloadRate: 0.5, AckTimeoutSeconds: 3600);

    [Fact]
    public async Task Stage_WaitsForItsSoakTime_ThenPassesItsGates_AndTheLastStageBecomesTheFleetsConfig()
    {
        var fleet = Samples.Unique("soak");
        var devices = await server.FleetAsync(fleet, 4);
        using var admin = await server.App.CreateAdminAsync();
        var created = await admin.CreateRolloutAsync(new CreateRolloutRequest(fleet, Threshold: 0.7,
            Stages: [new(50, MinSoakSeconds: 600, MinSamples: 100), new(100, 0, 100)], Gates: s_band));
        var id = Id(created);
        var first = Changed(created);
        Assert.Equal(2, first.Count);
        foreach (var device in devices)
        {
            var config = await server.RunAsync(device, 1, samples: 100, offloaded: 20);
            Assert.Equal(first.Contains(device.DeviceId) ? (2L, 0.7) : (1L, 0.6), (config.Version, config.Threshold));
        }

        server.Time.Advance(TimeSpan.FromSeconds(599));
        await server.EvaluateAsync();
        var soaking = (await admin.GetRolloutAsync(id)).GetProperty("rollout");
        Assert.Equal((0, "pending"), (soaking.GetProperty("stage").GetInt32(), Health(soaking).GetProperty("verdict").GetString()));
        Assert.Equal("pending", Gate(soaking, "soak"));

        server.Time.Advance(TimeSpan.FromSeconds(2));
        await server.EvaluateAsync();
        var second = await admin.GetRolloutAsync(id);
        Assert.Equal(1, second.GetProperty("rollout").GetProperty("stage").GetInt32());
        Assert.Equal(4, Changed(second).Count);
        Assert.Superset(first.ToHashSet(), Changed(second).ToHashSet());

        foreach (var device in devices)
        {
            await server.RunAsync(device, 2, samples: 100, offloaded: 20);
        }

        await server.EvaluateAsync();
        var done = (await admin.GetRolloutAsync(id)).GetProperty("rollout");
        Assert.Equal("completed", done.GetProperty("state").GetString());
        Assert.Equal(0.7, (await admin.GetFleetAsync(fleet)).GetProperty("desired").GetProperty("threshold").GetDouble());
        foreach (var device in devices)
        {
            var row = (await admin.GetDeviceAsync(device.DeviceId)).GetProperty("device");
            Assert.Equal((false, 0.7), (row.GetProperty("hasOverride").GetBoolean(), row.GetProperty("threshold").GetDouble()));
        }
    }

    [Fact]
    public async Task FailedGate_RollsBackTheChangedDevices_RaisesGateFailed_AndAuditsIt()
    {
        var fleet = Samples.Unique("fail");
        var devices = await server.FleetAsync(fleet, 4);
        using var admin = await server.App.CreateAdminAsync();
        var events = server.App.Services.GetRequiredService<HiPortal.Server.Rollouts.RolloutEvents>();
        var failures = new List<HiPortal.Server.Rollouts.RolloutGateFailure>();
        Task OnGateFailed(HiPortal.Server.Rollouts.RolloutGateFailure f)
        {
            failures.Add(f);
            return Task.CompletedTask;
        }

        events.GateFailed += OnGateFailed;
        var created = await admin.CreateRolloutAsync(new CreateRolloutRequest(fleet, Threshold: 0.9,
            Stages: [new(25, 0, 50), new(100, 0, 50)], Gates: s_band, Reason: "too high"));
        var id = Id(created);
        var canary = Assert.Single(Changed(created));
        foreach (var device in devices)
        {
            // The canary offloads 90 %: far above the band.
            await server.RunAsync(device, 1, samples: 100, offloaded: device.DeviceId == canary ? 90 : 20);
        }

        await server.EvaluateAsync();
        events.GateFailed -= OnGateFailed;

        var rollout = (await admin.GetRolloutAsync(id)).GetProperty("rollout");
        Assert.Equal(("rolled-back", 1), (rollout.GetProperty("state").GetString(), rollout.GetProperty("devicesRolledBack").GetInt32()));
        Assert.Equal("fail", Gate(rollout, "offload rate"));
        var failure = Assert.Single(failures, f => f.RolloutId == id);
        Assert.Contains("offload rate 0.9", failure.Failure);
        var alarm = Assert.Single(await admin.AlarmsAsync(AlarmKinds.RolloutGate, ClosedLoopHooks.Scope(id)));
        Assert.True(alarm.IsOpen());
        Assert.Contains("1 devices rolled back", alarm.GetProperty("detail").GetString());
        var canaryClient = devices.Single(d => d.DeviceId == canary);
        Assert.Equal((3L, 0.6), Versioned(await canaryClient.GetConfigAsync()));
        foreach (var other in devices.Where(d => d.DeviceId != canary))
        {
            Assert.Equal((1L, 0.6), Versioned(await other.GetConfigAsync()));
        }

        var audit = await admin.AuditAsync($"scope=rollout&target={id}");
        Assert.Equal(["rollout.gate-failed", "rollout.create"], audit.Select(a => a.GetProperty("action").GetString()!).ToArray());
        Assert.Equal("admin", audit[1].GetProperty("actor").GetString());
        Assert.Equal("rollout", audit[0].GetProperty("actor").GetString());
    }

    [Fact]
    public async Task PauseResumePromoteAbort_MoveTheRollout_RefuseWrongStates_AndAreAudited()
    {
        var fleet = Samples.Unique("actions");
        var devices = await server.FleetAsync(fleet, 4);
        using var admin = await server.App.CreateAdminAsync();
        var id = Id(await admin.CreateRolloutAsync(new CreateRolloutRequest(fleet, Threshold: 0.75, Stages: [new(25, 0, 10), new(50, 0, 10), new(100, 0, 10)])));

        var resumeRunning = await Assert.ThrowsAsync<HiPortalApiException>(() => admin.RolloutActionAsync(id, "resume"));
        ResponseAssertions.AssertProblem(resumeRunning, HttpStatusCode.Conflict, "action");
        Assert.Equal("paused", State(await admin.RolloutActionAsync(id, "pause", "looking at it")));
        Assert.Equal("running", State(await admin.RolloutActionAsync(id, "resume")));
        var promoted = await admin.RolloutActionAsync(id, "promote", "canary looks fine");
        Assert.Equal((1, 2), (promoted.GetProperty("rollout").GetProperty("stage").GetInt32(), Changed(promoted).Count));
        var aborted = await admin.RolloutActionAsync(id, "abort", "changed my mind");
        Assert.Equal(("aborted", 2), (State(aborted), aborted.GetProperty("rollout").GetProperty("devicesRolledBack").GetInt32()));
        foreach (var device in devices)
        {
            Assert.Equal(0.6, (await device.GetConfigAsync()).Threshold);
        }

        var again = await Assert.ThrowsAsync<HiPortalApiException>(() => admin.RolloutActionAsync(id, "abort"));
        ResponseAssertions.AssertProblem(again, HttpStatusCode.Conflict, "action");
        var unknown = await Assert.ThrowsAsync<HiPortalApiException>(() => admin.RolloutActionAsync(id, "explode"));
        ResponseAssertions.AssertProblem(unknown, HttpStatusCode.NotFound, "action");
        var actions = (await admin.AuditAsync($"scope=rollout&target={id}")).Select(a => a.GetProperty("action").GetString()!).Reverse();
        Assert.Equal(["rollout.create", "rollout.pause", "rollout.resume", "rollout.promote", "rollout.abort"], actions);
    }

    [Fact]
    public async Task DryRun_CountsTheDevicesOfEachStage_AndChangesNothing()
    {
        var fleet = Samples.Unique("dry");
        var devices = await server.FleetAsync(fleet, 10);
        using var admin = await server.App.CreateAdminAsync();

        var plan = await admin.CreateRolloutAsync(new CreateRolloutRequest(fleet, Threshold: 0.7, Stages: [new(5), new(25), new(100)], DryRun: true));

        Assert.Equal(10, plan.GetProperty("targetDevices").GetInt32());
        Assert.Equal([1, 3, 10], plan.GetProperty("devicesPerStage").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        Assert.Equal(0, (await admin.ListRolloutsAsync($"fleet={fleet}")).GetArrayLength());
        Assert.Equal(1L, await admin.VersionAsync(devices[0].DeviceId));
    }

    [Fact]
    public async Task TagQuery_ChangesOnlyTaggedDevices_AndBulkTaggingCountsBeforeItChanges()
    {
        var fleet = Samples.Unique("tags");
        var devices = await server.FleetAsync(fleet, 6);
        using var admin = await server.App.CreateAdminAsync();
        var dry = await admin.BulkTagsAsync(new BulkTagsRequest(fleet, Name: $"{fleet}-1", Add: ["site=north"]));
        Assert.Equal((1, 0, true), (dry.GetProperty("matched").GetInt32(), dry.GetProperty("changed").GetInt32(), dry.GetProperty("dryRun").GetBoolean()));
        var tagged = await admin.BulkTagsAsync(new BulkTagsRequest(fleet, Name: $"{fleet}-1", Add: ["site=north"], DryRun: false));
        Assert.Equal(1, tagged.GetProperty("changed").GetInt32());
        await admin.SetTagsAsync(devices[4].DeviceId, ["site=north", "rev-b"]);

        var created = await admin.CreateRolloutAsync(new CreateRolloutRequest(fleet, Tags: ["site=north"], Threshold: 0.8, Stages: [new(100, 0, 0)]));

        Assert.Equal(new[] { devices[1].DeviceId, devices[4].DeviceId }.Order(), Changed(created).Order());
        Assert.Equal(0.8, (await devices[1].GetConfigAsync()).Threshold);
        Assert.Equal(0.6, (await devices[2].GetConfigAsync()).Threshold);
    }

    [Fact]
    public async Task SecondRolloutForABusyFleet_Returns409_AndBadInputReturns400NamingTheField()
    {
        var fleet = Samples.Unique("busy");
        await server.FleetAsync(fleet, 2);
        using var admin = await server.App.CreateAdminAsync();
        await admin.CreateRolloutAsync(new CreateRolloutRequest(fleet, Threshold: 0.7));
        var busy = await Assert.ThrowsAsync<HiPortalApiException>(() => admin.CreateRolloutAsync(new CreateRolloutRequest(fleet, Threshold: 0.8)));
        ResponseAssertions.AssertProblem(busy, HttpStatusCode.Conflict, "fleet");

        (CreateRolloutRequest Request, string Field)[] bad =
        [
            (new(), "fleet"),
            (new(fleet), "body"),
            (new(fleet, Threshold: 1.5), "threshold"),
            (new("no-such-fleet", Threshold: 0.5), "fleet"),
            (new(fleet, Tags: ["Not A Tag"], Threshold: 0.5), "tags"),
            (new(fleet, TinyModel: "fashion-tiny@9.9.9"), "tinyModel"),
            (new(fleet, Threshold: 0.5, Stages: [new(50), new(25)]), "stages[1].percent"),
            (new(fleet, Threshold: 0.5, Stages: [new(50)]), "stages"),
            (new(fleet, Threshold: 0.5, Gates: new(MinOffloadRate: 0.6, MaxOffloadRate: 0.2)), "gates.minOffloadRate"),
        ];
        foreach (var (request, field) in bad)
        {
            var refused = await Assert.ThrowsAsync<HiPortalApiException>(() => admin.CreateRolloutAsync(request));
            ResponseAssertions.AssertProblem(refused, HttpStatusCode.BadRequest, field);
        }

        using var reader = await server.App.CreateOperatorAsync(Samples.Unique("op"));
        var forbidden = await Assert.ThrowsAsync<HiPortalApiException>(() => reader.CreateRolloutAsync(new CreateRolloutRequest(fleet, Threshold: 0.7)));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.Status);
        Assert.Equal(1, (await reader.ListRolloutsAsync($"fleet={fleet}")).GetArrayLength());
    }

    private static long Id(JsonElement detail) => detail.GetProperty("rollout").GetProperty("id").GetInt64();

    private static string? State(JsonElement detail) => detail.GetProperty("rollout").GetProperty("state").GetString();

    private static List<string> Changed(JsonElement detail) =>
        detail.GetProperty("devices").EnumerateArray().Where(d => d.GetProperty("rolledBackAt").ValueKind == JsonValueKind.Null)
            .Select(d => d.GetProperty("deviceId").GetString()!).ToList();

    private static JsonElement Health(JsonElement rollout) => rollout.GetProperty("health");

    private static string? Gate(JsonElement rollout, string name) =>
        Health(rollout).GetProperty("gates").EnumerateArray().Single(g => g.GetProperty("gate").GetString() == name).GetProperty("status").GetString();

    private static (long, double) Versioned(EffectiveConfigResponse config) => (config.Version, config.Threshold);
}
