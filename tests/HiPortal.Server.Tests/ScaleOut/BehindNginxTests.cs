using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using HiPortal.Server.Live;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;
using static HiPortal.Server.Tests.ScaleOut.ClusterProbes;

namespace HiPortal.Server.Tests.ScaleOut;

/// <summary>The README's production layout on loopback: nginx (round-robin API, sticky hubs) in front of A and B.</summary>
public sealed class BehindNginxTests(ScaleOutCluster cluster, ITestOutputHelper output) : IClassFixture<ScaleOutCluster>
{
    [Fact]
    public async Task DevicesAndHubClientsBehindNginx_AreServedByBothInstances_WithOneViewOfTheData()
    {
        const int Offloads = 12;
        await using var proxy = await NginxProxy.StartAsync(cluster.A.HttpAddress, cluster.B.HttpAddress);
        var device = await cluster.A.RegisterDeviceAsync("behind-proxy", "proxied");
        using var reader = new HiPortalClient(proxy.Address);
        await reader.SignInAsync("admin", HiPortalHost.AdminPassword);
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(proxy.Address, "/hubs/live"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(reader.Bearer))
            .Build();
        var counted = new TaskCompletionSource<SavingsSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<SavingsSnapshot>("snapshot", s =>
        {
            if (s.Fleet == "proxied" && s.OffloadsReceived == Offloads)
            {
                counted.TrySetResult(s);
            }
        });
        await hub.StartAsync();
        await hub.InvokeAsync<SavingsSnapshot?>("Subscribe", "proxied");

        using var client = new DeviceClient(proxy.Address, device);
        var upstreams = new HashSet<string>();
        for (var i = 0; i < Offloads; i++)
        {
            using var response = await client.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(i, $"proxied-{i}"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            upstreams.Add(response.Headers.GetValues(NginxProxy.UpstreamHeader).Single());
        }

        var snapshot = await counted.Task.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(new[] { cluster.A.HttpAddress.Port, cluster.B.HttpAddress.Port }.Order(),
            upstreams.Select(u => new Uri("http://" + u).Port).Order());
        Assert.Equal(Offloads, await cluster.A.Database.CountAsync("SELECT COUNT(*) FROM \"Decisions\" WHERE \"DeviceId\" = @d", ("@d", device.DeviceId)));
        Assert.Equal(Offloads, snapshot.OffloadsReceived);

        // A long-poll through nginx is woken by a change made through nginx, whichever instances took the two.
        var current = await client.GetConfigAsync();
        var parked = Task.WhenAny(PollParked(cluster.A, device.DeviceId), PollParked(cluster.B, device.DeviceId));
        var poll = client.GetConfigAsync(current.Version, waitSeconds: 30);
        await await parked;
        var clock = Stopwatch.StartNew();
        await reader.ChangeFleetConfigAsync("proxied", new ConfigChange(Threshold: 0.66));
        var changed = await poll.WaitAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"upstreams {string.Join(", ", upstreams)}; wake-up through nginx {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.Equal(0.66, changed!.Threshold);
        Assert.True(clock.Elapsed <= TimeSpan.FromSeconds(2), $"woken after {clock.Elapsed.TotalMilliseconds:0} ms");
    }
}
