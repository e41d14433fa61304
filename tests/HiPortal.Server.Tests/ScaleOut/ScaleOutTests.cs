using System.Diagnostics;
using System.Net;
using HiPortal.Server.Fleets;
using HiPortal.Server.Live;
using HiPortal.Server.Presence;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static HiPortal.Server.Tests.ScaleOut.ClusterProbes;

namespace HiPortal.Server.Tests.ScaleOut;

/// <summary>Two instances (A, B) of one deployment on one database and a real Redis, as the README's production layout.</summary>
public sealed class ScaleOutTests(ScaleOutCluster cluster, ITestOutputHelper output) : IClassFixture<ScaleOutCluster>
{
    private HiPortalHost A => cluster.A;

    private HiPortalHost B => cluster.B;

    [Fact]
    public async Task ThresholdChangedOnB_WakesADeviceLongPollingOnA_WithinTwoSeconds()
    {
        var device = await A.RegisterDeviceAsync("poller", "wake");
        using var client = A.CreateDeviceClient(device);
        var current = await client.GetConfigAsync();
        using var admin = await B.CreateAdminAsync();
        var parked = PollParked(A, device.DeviceId);
        var poll = client.GetConfigAsync(current.Version, waitSeconds: 30);
        await parked;

        var clock = Stopwatch.StartNew();
        await admin.ChangeFleetConfigAsync("wake", new ConfigChange(Threshold: 0.61));
        var changed = await poll.WaitAsync(TimeSpan.FromSeconds(30));
        clock.Stop();

        output.WriteLine($"θ change on B reached the long-poll on A in {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.NotNull(changed);
        Assert.Equal(current.Version + 1, changed.Version);
        Assert.Equal(0.61, changed.Threshold);
        Assert.True(clock.Elapsed <= TimeSpan.FromSeconds(2), $"the change on B reached the device on A after {clock.Elapsed.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task TokenAndCookieIssuedByA_AreValidOnB()
    {
        using var admin = await A.CreateAdminAsync();
        using var onB = B.CreateClient(admin.Bearer!);
        var cookie = await SignInCookieAsync(A, "admin", HiPortalHost.AdminPassword);

        using var api = await onB.GetAsync(Routes.Fleets);
        using var page = await GetWithCookieAsync(B, cookie, "/thresholds");

        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("signed-in-as", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenAndCookieOfAnotherDeployment_AreRejected_OnTheSameDatabaseAndRedis()
    {
        await using var other = await cluster.StartInstanceAsync("other-" + cluster.Deployment);
        using var admin = await A.CreateAdminAsync();
        var cookie = await SignInCookieAsync(A, "admin", HiPortalHost.AdminPassword);
        using var onOther = other.CreateClient(admin.Bearer!);
        using var ownAdmin = await other.CreateAdminAsync();

        using var api = await onOther.GetAsync(Routes.Fleets);
        using var page = await GetWithCookieAsync(other, cookie, "/thresholds");
        using var ownTokenOnA = A.CreateClient(ownAdmin.Bearer!);
        using var ownTokenOnOther = other.CreateClient(ownAdmin.Bearer!);
        using var ownOnA = await ownTokenOnA.GetAsync(Routes.Fleets);
        using var own = await ownTokenOnOther.GetAsync(Routes.Fleets);

        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("/login", page.Headers.Location!.IsAbsoluteUri ? page.Headers.Location.PathAndQuery : page.Headers.Location.OriginalString,
            StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, ownOnA.StatusCode);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }

    [Fact]
    public async Task DeviceSpreadingRequestsOverBothInstances_GetsNoMoreThanItsFleetsLimit()
    {
        const int Burst = 10;
        const double PerSecond = 0.5;
        var device = await A.RegisterDeviceAsync("spreader", "limited");
        using var onA = A.CreateDeviceClient(device);
        using var onB = B.CreateDeviceClient(device);
        // A knows the fleet's old limits (it served the device once); the change on B must reach it.
        await onA.GetConfigAsync();
        var dropped = FleetDropped(A, "limited");
        using (var admin = await B.CreateAdminAsync())
        {
            await admin.ChangeFleetSettingsAsync("limited", new FleetSettingsRequest(RateLimitPerSecond: PerSecond, RateLimitBurst: Burst));
        }

        await dropped;

        var clock = Stopwatch.StartNew();
        var allowed = new Dictionary<string, int> { ["A"] = 0, ["B"] = 0 };
        var refused = new Dictionary<string, int> { ["A"] = 0, ["B"] = 0 };
        for (var i = 0; i < 4 * Burst; i++)
        {
            var (name, client) = i % 2 == 0 ? ("A", onA) : ("B", onB);
            using var response = await client.GetAsync("/api/v1/config");
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"{name}: {(int)response.StatusCode}");
            (response.StatusCode == HttpStatusCode.OK ? allowed : refused)[name]++;
        }

        clock.Stop();

        var total = allowed["A"] + allowed["B"];
        output.WriteLine($"allowed A {allowed["A"]} B {allowed["B"]}, refused A {refused["A"]} B {refused["B"]} in {clock.Elapsed.TotalMilliseconds:0} ms");
        var limit = Burst + (int)Math.Ceiling(PerSecond * clock.Elapsed.TotalSeconds);
        Assert.True(total <= limit, $"{total} allowed in {clock.Elapsed.TotalSeconds:0.0} s; the fleet allows {limit}");
        Assert.True(total >= Burst, $"only {total} allowed; the burst is {Burst}");
        Assert.True(refused["A"] > 0 && refused["B"] > 0, $"refused on A {refused["A"]}, on B {refused["B"]}");
    }

    [Fact]
    public async Task HubClientOnOneInstance_SeesOffloadsAnsweredByTheOther_AndTheCountsEqualTheDatabase()
    {
        const int Offloads = 7;
        // The client is on the instance that does not publish, so every snapshot it gets came over the backplane.
        var (publisher, viewer) = await LeaseHolderFirstAsync();
        var device = await publisher.RegisterDeviceAsync("hub-sensor", "hubfleet");
        using var reader = await viewer.CreateOperatorAsync("olga");
        await using var hub = Hub(viewer, reader.Bearer!);
        var counted = new TaskCompletionSource<SavingsSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<SavingsSnapshot>("snapshot", s =>
        {
            if (s.Fleet == "hubfleet" && s.OffloadsReceived == Offloads)
            {
                counted.TrySetResult(s);
            }
        });
        await hub.StartAsync();
        await hub.InvokeAsync<SavingsSnapshot?>("Subscribe", "hubfleet");

        using (var client = publisher.CreateDeviceClient(device))
        {
            for (var i = 0; i < Offloads; i++)
            {
                await client.OffloadAsync(i, $"hub-{i}");
            }
        }

        var snapshot = await counted.Task.WaitAsync(TimeSpan.FromSeconds(20));

        var stored = await A.Database.CountAsync("SELECT COUNT(*) FROM \"Decisions\" WHERE \"DeviceId\" = @d", ("@d", device.DeviceId));
        Assert.Equal(stored, snapshot.OffloadsReceived);
        Assert.Equal(1, snapshot.DevicesTotal);
        Assert.Equal(1, snapshot.DevicesOnline);
    }

    [Fact]
    public async Task ExactlyOneInstance_HoldsTheLiveSnapshotLease()
    {
        var leases = new[] { A, B }.Select(h => h.Services.GetRequiredService<IPublisherLease>()).ToList();

        var held = await Task.WhenAll(leases.Select(l => l.HoldAsync(CancellationToken.None).AsTask()));

        Assert.Single(held, h => h);
    }

    [Fact]
    public async Task EveryRedisChannel_TheBackplanesIncluded_CarriesTheDeploymentsPrefix()
    {
        using var reader = await B.CreateOperatorAsync("paula");
        await using var hub = Hub(B, reader.Bearer!);
        await hub.StartAsync();
        await hub.InvokeAsync<SavingsSnapshot?>("Subscribe", "prefixed");

        var channels = await cluster.Redis.CliAsync("PUBSUB", "CHANNELS", "*");

        Assert.Contains(channels, c => c.Contains("LiveHub", StringComparison.Ordinal) && c.EndsWith("fleet:prefixed", StringComparison.Ordinal));
        Assert.All(channels, c => Assert.StartsWith($"hiportal:{cluster.Deployment}:", c, StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeviceHeardOnlyByA_IsOnlineOnB()
    {
        var device = await A.RegisterDeviceAsync("seen-on-a", "presence");
        using var client = A.CreateDeviceClient(device);
        await client.GetConfigAsync();
        var presenceOnB = B.Services.GetRequiredService<DevicePresence>();

        await EventuallyAsync(() => Task.FromResult(presenceOnB.OnlineDevices().Contains(device.DeviceId)), TimeSpan.FromSeconds(10),
            "B counts the device A heard from as online");
        Assert.True(presenceOnB.OnlineByFleet().GetValueOrDefault("presence") >= 1);
    }

    private async Task<(HiPortalHost Holder, HiPortalHost Other)> LeaseHolderFirstAsync()
    {
        var aHolds = await A.Services.GetRequiredService<IPublisherLease>().HoldAsync(CancellationToken.None);
        return aHolds ? (A, B) : (B, A);
    }

    private static Task FleetDropped(HiPortalHost host, string fleet)
    {
        var cache = host.Services.GetRequiredService<FleetSettingsCache>();
        var dropped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnInvalidated(string name)
        {
            if (name == fleet)
            {
                cache.Invalidated -= OnInvalidated;
                dropped.TrySetResult();
            }
        }

        cache.Invalidated += OnInvalidated;
        return dropped.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
