using System.Diagnostics;
using HiPortal.Server.Live;
using HiPortal.Server.ScaleOut;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static HiPortal.Server.Tests.ScaleOut.ClusterProbes;

namespace HiPortal.Server.Tests.ScaleOut;

/// <summary>Redis goes away for ten seconds while devices post to both instances, then comes back (empty, as a restart without persistence).</summary>
public sealed class RedisOutageTests(ScaleOutCluster cluster, ITestOutputHelper output) : IClassFixture<ScaleOutCluster>
{
    private static readonly TimeSpan s_outage = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task RedisDownForTenSeconds_LosesNoDecision_AndLiveUpdatesAndWakeUpsResume()
    {
        var (a, b) = (cluster.A, cluster.B);
        var onA = await a.RegisterDeviceAsync("outage-a", "outage");
        var onB = await a.RegisterDeviceAsync("outage-b", "outage");
        using (var setup = await b.CreateAdminAsync())
        {
            // Devices post as fast as they are answered: the fleet's limit must not be what refuses them.
            await setup.ChangeFleetSettingsAsync("outage", new FleetSettingsRequest(RateLimitPerSecond: 100_000, RateLimitBurst: 100_000));
        }

        using var reader = await b.CreateOperatorAsync("otto");
        await using var hub = Hub(b, reader.Bearer!);
        var snapshots = new List<SavingsSnapshot>();
        var newSnapshot = new TaskCompletionSource<SavingsSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
        DateTimeOffset? restartedAt = null;
        hub.On<SavingsSnapshot>("snapshot", s =>
        {
            if (s.Fleet != "outage")
            {
                return;
            }

            lock (snapshots)
            {
                snapshots.Add(s);
                if (restartedAt is { } at && s.At > at)
                {
                    newSnapshot.TrySetResult(s);
                }
            }
        });
        await hub.StartAsync();
        await hub.InvokeAsync<SavingsSnapshot?>("Subscribe", "outage");

        using var stop = new CancellationTokenSource();
        var posters = new[] { Post(a.CreateDeviceClient(onA), "a", stop.Token), Post(b.CreateDeviceClient(onB), "b", stop.Token) };

        await cluster.Redis.KillAsync();
        await Task.Delay(s_outage); // the outage itself is the scenario
        lock (snapshots)
        {
            restartedAt = DateTimeOffset.UtcNow;
        }

        await cluster.Redis.StartAgainAsync();
        var resumed = await newSnapshot.Task.WaitAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"live snapshot {(DateTimeOffset.UtcNow - restartedAt!.Value).TotalMilliseconds:0} ms after Redis restarted");
        await stop.CancelAsync();
        var posted = (await Task.WhenAll(posters)).SelectMany(p => p).ToList();

        // Every decision posted during the run was answered 2xx and is stored, whichever instance took it.
        Assert.True(posted.Count > 20, $"only {posted.Count} offloads posted");
        var stored = await a.Database.SampleIdsAsync();
        Assert.All(posted, id => Assert.Contains(id, stored));
        Assert.Equal(posted.Count, (await a.Database.SampleIdsAsync(onA.DeviceId)).Count + (await b.Database.SampleIdsAsync(onB.DeviceId)).Count);
        Assert.True(resumed.OffloadsReceived > 0);

        // Wake-ups cross instances again once both are reconnected.
        await EventuallyAsync(() => Task.FromResult(a.Services.GetRequiredService<RedisConnection>().IsConnected &&
            b.Services.GetRequiredService<RedisConnection>().IsConnected), TimeSpan.FromSeconds(30), "both instances reconnect to Redis");
        using var device = a.CreateDeviceClient(onA);
        var current = await device.GetConfigAsync();
        using var admin = await b.CreateAdminAsync();
        var parked = PollParked(a, onA.DeviceId);
        var poll = device.GetConfigAsync(current.Version, waitSeconds: 30);
        await parked;
        var clock = Stopwatch.StartNew();
        await admin.ChangeFleetConfigAsync("outage", new ConfigChange(Threshold: 0.55));
        var changed = await poll.WaitAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"{posted.Count} offloads posted over the run; wake-up across instances after the outage: {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.Equal(0.55, changed!.Threshold);
        Assert.True(clock.Elapsed <= TimeSpan.FromSeconds(2), $"woken after {clock.Elapsed.TotalMilliseconds:0} ms");
    }

    /// <summary>Posts offloads one after another until stopped; every one must be answered (the client throws on any non-2xx).</summary>
    private static async Task<List<string>> Post(DeviceClient client, string prefix, CancellationToken stop)
    {
        var posted = new List<string>();
        using (client)
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var id = $"outage-{prefix}-{i}";
                await client.OffloadAsync(i % 64, id);
                posted.Add(id);
            }
        }

        return posted;
    }
}
