using System.Text.Json;
using HiPortal.Cli.Simulate;
using HiPortal.Core.Decisions;
using HiPortal.Server.Rollouts;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace HiPortal.DeviceSdk.Tests.EndToEnd;

/// <summary>
/// Staged rollouts on 20 simulated devices running the real SDK against the real server: a bad θ is caught by its
/// canary's gate and rolled back by itself, a good one goes through every stage and becomes the fleet's.
/// </summary>
[Collection(AcceptanceCollection.Name)]
public sealed class RolloutAcceptanceTests(ITestOutputHelper output)
{
    private const double Before = 0.6;

    // The devices offload a few percent to a third of their samples at sensible θ; at 0.05 (below any top-class
    // probability of ten classes) they offload nothing, and the HI savings would come from never asking the large model.
    private static readonly RolloutGatesRequest s_gates = new(MinOffloadRate: 0.01, MaxOffloadRate: 0.9, MaxErrorRate: 0.05, AckTimeoutSeconds: 30);

    // No soak time: each stage waits for samples from its devices (telemetry every second), not for the clock.
    private static readonly RolloutStageRequest[] s_stages = [new(5, 0, 60), new(25, 0, 150), new(100, 0, 300)];

    private static HiPortalHostOptions Options => new()
    {
        Settings = new Dictionary<string, string?> { ["Rollouts:EvaluationInterval"] = "00:00:00.100" },
    };

    [Fact]
    public async Task BadTheta_FailsTheCanaryGate_AndIsRolledBackAutomatically_WhileDevicesOutsideTheCanaryNeverReceiveIt()
    {
        const double bad = 0.05;
        await using var server = await HiPortalHost.StartAsync(Options);
        var devices = await server.CreateFleetAsync("rollout-bad", Before, devices: 20, telemetryIntervalSeconds: 1);
        await using var fleet = new SimulatedFleet(server.HttpAddress, devices, rate: 25, samples: 1_000_000);
        var failed = new TaskCompletionSource<RolloutGateFailure>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Services.GetRequiredService<RolloutEvents>().GateFailed += f =>
        {
            failed.TrySetResult(f);
            return Task.CompletedTask;
        };
        var restored = WhenBackAt(fleet, bad, Before);
        await fleet.StartAsync();
        using var stop = new CancellationTokenSource();
        var run = fleet.RunAsync(stop.Token);

        using var admin = await server.CreateAdminAsync();
        var created = await admin.CreateRolloutAsync(new CreateRolloutRequest("rollout-bad", Threshold: bad, Stages: s_stages, Gates: s_gates,
            Reason: "acceptance: a θ that offloads nothing"));
        var id = created.GetProperty("rollout").GetProperty("id").GetInt64();
        var canary = Assert.Single(DeviceIds(created)); // 5 % of 20
        var canaryIndex = devices.Select(d => d.DeviceId).ToList().IndexOf(canary);

        var failure = await failed.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var backAt = await restored[canaryIndex].Task.WaitAsync(TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await run;
        Assert.Equal(0, await fleet.Recorder.AwaitDeferredAsync(TimeSpan.FromSeconds(30)));

        // The canary gate failed on the offload rate, and the one changed device was put back (version 3 = θ before).
        Assert.Equal((id, 0, 1), (failure.RolloutId, failure.Stage, failure.DevicesRolledBack));
        Assert.Contains("offload rate", failure.Failure);
        Assert.Equal((3L, Before), (backAt.Version, backAt.Threshold));
        var detail = await admin.GetRolloutAsync(id);
        var rollout = detail.GetProperty("rollout");
        Assert.Equal(("rolled-back", 0, 1, 1), (rollout.GetProperty("state").GetString(), rollout.GetProperty("stage").GetInt32(),
            rollout.GetProperty("devicesChanged").GetInt32(), rollout.GetProperty("devicesRolledBack").GetInt32()));
        var offloadGate = Gate(rollout, "offload rate");
        Assert.Equal((0.0, "fail"), (offloadGate.GetProperty("value").GetDouble(), offloadGate.GetProperty("status").GetString()));
        Assert.True(rollout.GetProperty("health").GetProperty("counts").GetProperty("samples").GetInt64() >= 60);

        // The canary decided samples at the bad θ, then only at the old one again; nobody else ever saw it.
        var byDevice = fleet.RecordsByDevice();
        var canaryThetas = byDevice[canaryIndex].Select(Theta).ToList();
        var firstBad = canaryThetas.IndexOf(bad);
        Assert.True(firstBad >= 0, "the canary ran the bad θ");
        var lastBad = canaryThetas.LastIndexOf(bad);
        Assert.All(canaryThetas.Skip(firstBad).Take(lastBad - firstBad + 1), t => Assert.Equal(bad, t));
        Assert.All(canaryThetas.Skip(lastBad + 1), t => Assert.Equal(Before, t));
        for (var i = 0; i < devices.Count; i++)
        {
            if (i == canaryIndex)
                continue;
            Assert.NotEmpty(byDevice[i]);
            Assert.All(byDevice[i], r => Assert.Equal(Before, Theta(r)));
            Assert.Equal(1L, await admin.VersionAsync(devices[i].DeviceId));
        }

        var audit = await admin.AuditAsync($"scope=rollout&target={id}");
        Assert.Equal(["rollout.gate-failed", "rollout.create"], audit.Select(a => a.GetProperty("action").GetString()!).ToArray());
        output.WriteLine($"canary {canary}: {canaryThetas.Count(t => t == bad)} samples at θ = {bad} before the gate failed ({failure.Failure}); " +
            $"{byDevice.Where((_, i) => i != canaryIndex).Sum(r => r.Count)} samples on the other 19 devices, all at θ = {Before}");
    }

    [Fact]
    public async Task GoodTheta_PassesEveryStage_AndBecomesTheFleetsConfiguration_WithEachDeviceSwitchingOnce()
    {
        const double good = 0.8;
        await using var server = await HiPortalHost.StartAsync(Options);
        var devices = await server.CreateFleetAsync("rollout-good", Before, devices: 20, telemetryIntervalSeconds: 1);
        await using var fleet = new SimulatedFleet(server.HttpAddress, devices, rate: 25, samples: 1_000_000);
        var completed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Services.GetRequiredService<RolloutEvents>().Changed += c =>
        {
            if (c.State is RolloutStates.Completed or RolloutStates.RolledBack)
                completed.TrySetResult();
            return Task.CompletedTask;
        };
        var switched = WhenAt(fleet, good);
        await fleet.StartAsync();
        using var stop = new CancellationTokenSource();
        var run = fleet.RunAsync(stop.Token);

        using var admin = await server.CreateAdminAsync();
        var created = await admin.CreateRolloutAsync(new CreateRolloutRequest("rollout-good", Threshold: good, Stages: s_stages, Gates: s_gates,
            Reason: "acceptance: a better θ"));
        var id = created.GetProperty("rollout").GetProperty("id").GetInt64();
        await completed.Task.WaitAsync(TimeSpan.FromSeconds(90));
        await Task.WhenAll(switched.Select(s => s.Task)).WaitAsync(TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await run;
        Assert.Equal(0, await fleet.Recorder.AwaitDeferredAsync(TimeSpan.FromSeconds(30)));

        var detail = await admin.GetRolloutAsync(id);
        var rollout = detail.GetProperty("rollout");
        Assert.Equal(("completed", 2, 20, 0), (rollout.GetProperty("state").GetString(), rollout.GetProperty("stage").GetInt32(),
            rollout.GetProperty("devicesChanged").GetInt32(), rollout.GetProperty("devicesRolledBack").GetInt32()));
        // Cumulative stages: 1 device, then 4 more (5 = 25 %), then the other 15.
        var perStage = detail.GetProperty("devices").EnumerateArray().GroupBy(d => d.GetProperty("stage").GetInt32())
            .OrderBy(g => g.Key).Select(g => g.Count()).ToArray();
        Assert.Equal([1, 4, 15], perStage);

        // The fleet now holds θ, the rollout's device overrides are gone, and no device needed a third version.
        var fleetView = await admin.GetFleetAsync("rollout-good");
        Assert.Equal(good, fleetView.GetProperty("desired").GetProperty("threshold").GetDouble());
        foreach (var device in devices)
        {
            var view = await admin.GetDeviceAsync(device.DeviceId);
            Assert.False(view.GetProperty("device").GetProperty("hasOverride").GetBoolean());
            Assert.Equal((2L, good), (view.GetProperty("device").GetProperty("configVersion").GetInt64(),
                view.GetProperty("device").GetProperty("threshold").GetDouble()));
        }

        // Each device switched once, for good: Before, then only the new θ.
        var byDevice = fleet.RecordsByDevice();
        Assert.All(byDevice, records =>
        {
            var thetas = records.Select(Theta).ToList();
            var first = thetas.IndexOf(good);
            Assert.True(first >= 0, "every device decided samples at the new θ");
            Assert.All(thetas.Take(first), t => Assert.Equal(Before, t));
            Assert.All(thetas.Skip(first), t => Assert.Equal(good, t));
        });
        var audit = (await admin.AuditAsync($"scope=rollout&target={id}")).Select(a => a.GetProperty("action").GetString()!).Reverse().ToArray();
        Assert.Equal(["rollout.create", "rollout.advance", "rollout.advance", "rollout.advance"], audit);
        var gates = rollout.GetProperty("health").GetProperty("gates").EnumerateArray()
            .Select(g => $"{g.GetProperty("gate").GetString()} {g.GetProperty("value")} {g.GetProperty("status").GetString()}");
        output.WriteLine($"θ {Before} → {good} on 20 devices in 3 stages; last gates: {string.Join("; ", gates)}");
    }

    private static double Theta(SampleRecord record) => ((MaxSoftmaxRule)record.Rule!).Threshold;

    private static IEnumerable<string> DeviceIds(JsonElement detail) =>
        detail.GetProperty("devices").EnumerateArray().Select(d => d.GetProperty("deviceId").GetString()!);

    private static JsonElement Gate(JsonElement rollout, string name) =>
        rollout.GetProperty("health").GetProperty("gates").EnumerateArray().Single(g => g.GetProperty("gate").GetString() == name);

    /// <summary>Per client: completes when it has applied θ = <paramref name="theta"/>.</summary>
    private static TaskCompletionSource<DeviceConfiguration>[] WhenAt(SimulatedFleet fleet, double theta) =>
        fleet.Clients.Select(client =>
        {
            var reached = new TaskCompletionSource<DeviceConfiguration>(TaskCreationOptions.RunContinuationsAsynchronously);
            client.ConfigurationChanged += (_, change) =>
            {
                if (change.Applied && change.Active.Threshold == theta)
                    reached.TrySetResult(change.Active);
            };
            return reached;
        }).ToArray();

    /// <summary>Per client: completes when it has applied θ = <paramref name="to"/> after having applied <paramref name="from"/>.</summary>
    private static TaskCompletionSource<DeviceConfiguration>[] WhenBackAt(SimulatedFleet fleet, double from, double to) =>
        fleet.Clients.Select(client =>
        {
            var back = new TaskCompletionSource<DeviceConfiguration>(TaskCreationOptions.RunContinuationsAsynchronously);
            var seen = false;
            client.ConfigurationChanged += (_, change) =>
            {
                seen |= change.Applied && change.Active.Threshold == from;
                if (seen && change.Applied && change.Active.Threshold == to)
                    back.TrySetResult(change.Active);
            };
            return back;
        }).ToArray();
}
