using System.Collections.Concurrent;

namespace HiPortal.Server.Tests.Models;

/// <summary>A fleet's large model switches to another version and back while 64 devices post: nothing fails.</summary>
public sealed class HotSwapTests
{
    private const int Devices = 64;

    [Fact]
    public async Task SwitchingTheLargeModelUnderLoad_FailsNoRequest_AndEveryDecisionNamesTheVersionThatAnswered()
    {
        using var tiny = new TestModel("swap-tiny", "1.0.0", seed: 31, hidden: 0);
        using var v1 = new TestModel("swap-large", "1.0.0", seed: 32, hidden: 16);
        using var v2 = new TestModel("swap-large", "2.0.0", seed: 33, hidden: 16);
        await using var app = await HiPortalHost.StartAsync();
        using var admin = await app.CreateAdminAsync();
        await TestModel.CreateFleetAsync(admin, "swaps", tiny, v1, v2);
        await admin.ChangeFleetSettingsAsync("swaps", new FleetSettingsRequest(RateLimitPerSecond: 10_000, RateLimitBurst: 10_000));
        var devices = new List<DeviceClient>();
        for (var i = 0; i < Devices; i++)
        {
            devices.Add(app.CreateDeviceClient(await admin.RegisterDeviceAsync($"swap-{i}", "swaps")));
        }

        var answers = new ConcurrentDictionary<string, string>();
        var failures = new ConcurrentQueue<Exception>();
        var byVersion = new ConcurrentDictionary<string, int>();
        // Signals the test awaits instead of sleeping: how many answers each version has given so far.
        var milestones = new ConcurrentDictionary<(string Version, int Count), TaskCompletionSource>();
        Task Reached(string version, int count) => milestones.GetOrAdd((version, count), _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        using var stop = new CancellationTokenSource();

        async Task PostUntilStopped(DeviceClient device, int index)
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var sampleId = $"{index}-{n}";
                var sample = TestModel.Sample((index * 10_000) + n);
                try
                {
                    var answer = await device.OffloadBinaryAsync(new BinaryOffload(sampleId, sample, 0, 0.2));
                    answers[sampleId] = answer.ModelVersion;
                    var count = byVersion.AddOrUpdate(answer.ModelVersion, 1, (_, c) => c + 1);
                    foreach (var ((version, wanted), signal) in milestones)
                    {
                        if (version == answer.ModelVersion && count >= wanted)
                        {
                            signal.TrySetResult();
                        }
                    }
                }
                catch (Exception ex)
                {
                    failures.Enqueue(ex);
                }
            }
        }

        var reachedV1 = Reached("1.0.0", Devices);
        var reachedV2 = Reached("2.0.0", Devices);
        var load = devices.Select((d, i) => Task.Run(() => PostUntilStopped(d, i))).ToList();
        await reachedV1.WaitAsync(TimeSpan.FromMinutes(2));
        await admin.SetFleetModelsAsync("swaps", new FleetModelsRequest(Large: v2.Reference, Reason: "swap"));
        await reachedV2.WaitAsync(TimeSpan.FromMinutes(2));
        var backOnV1 = Reached("1.0.0", byVersion.GetValueOrDefault("1.0.0") + Devices);
        await admin.SetFleetModelsAsync("swaps", new FleetModelsRequest(Large: v1.Reference, Reason: "roll back"));
        await backOnV1.WaitAsync(TimeSpan.FromMinutes(2));
        await stop.CancelAsync();
        await Task.WhenAll(load);

        Assert.Empty(failures);
        Assert.True(byVersion.GetValueOrDefault("2.0.0") >= Devices);
        var stored = await app.Database.QueryAsync(
            "SELECT \"SampleId\", \"ModelName\", \"ModelVersion\" FROM \"Decisions\" WHERE \"Fleet\" = 'swaps'", r => (r.GetString(0), r.GetString(1), r.GetString(2)));
        Assert.Equal(answers.Count, stored.Count);
        Assert.All(stored, row => Assert.Equal(("swap-large", answers[row.Item1]), (row.Item2, row.Item3)));
        var listed = await admin.ListModelsAsync();
        Assert.False(listed.Single(m => m.Version == "2.0.0" && m.Name == "swap-large").Loaded);
        Assert.True(listed.Single(m => m.Version == "1.0.0" && m.Name == "swap-large").Loaded);
        Assert.Equal(3, (await app.Database.QueryAsync("SELECT COUNT(*) FROM \"Audit\" WHERE \"Action\" = 'fleet.models' AND \"Target\" = 'swaps'", r => r.GetInt64(0)))[0]);
        devices.ForEach(d => d.Dispose());
    }
}
