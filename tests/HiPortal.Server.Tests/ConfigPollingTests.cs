using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using HiPortal.Server.RemoteConfig;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Server.Tests;

/// <summary>Devices read their configuration with ETags (304 when current) and long-polls that answer as soon as it changes.</summary>
public sealed class ConfigPollingTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task GetConfig_Returns304WithTheETag_ForIfNoneMatchOfTheCurrentVersion()
    {
        using var client = await server.App.CreateDeviceAsync("etag", Samples.Unique("twin"));
        using var first = await client.GetAsync("/api/v1/config");
        var etag = first.Headers.ETag;

        using var again = await client.SendAsync(ConfigRequest(etag!.Tag));

        Assert.Equal("\"v1\"", etag.Tag);
        Assert.Equal(1, (await first.JsonAsync(HttpStatusCode.OK)).GetProperty("version").GetInt64());
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        Assert.Equal(etag, again.Headers.ETag);
        Assert.Empty(await again.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task GetConfig_Returns200WithTheNewVersion_ForIfNoneMatchOfAnOlderVersion()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("twin");
        using var client = await server.App.CreateDeviceAsync("etag", fleet);
        await admin.ChangeFleetConfigAsync(fleet, new ConfigChange(Threshold: 0.7));

        using var response = await client.SendAsync(ConfigRequest("\"v1\""));

        var config = await response.JsonAsync(HttpStatusCode.OK);
        Assert.Equal(2, config.GetProperty("version").GetInt64());
        Assert.Equal(0.7, config.GetProperty("threshold").GetDouble());
        Assert.Equal("\"v2\"", response.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task LongPoll_AnswersWithTheNewVersionWithin1s_OfAnAdminChange()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("twin");
        using var client = await server.App.CreateDeviceAsync("poller", fleet);

        var parked = PollParked(client.DeviceId);
        var poll = client.SendAsync(ConfigRequest("\"v1\"", waitSeconds: 10));
        await parked;
        Assert.False(poll.IsCompleted, "the poll should wait while nothing has changed");
        var sinceChange = Stopwatch.StartNew();
        await admin.ChangeFleetConfigAsync(fleet, new ConfigChange(Threshold: 0.75));
        using var response = await poll;
        sinceChange.Stop();

        var config = await response.JsonAsync(HttpStatusCode.OK);
        Assert.Equal(2, config.GetProperty("version").GetInt64());
        Assert.Equal(0.75, config.GetProperty("threshold").GetDouble());
        Assert.Equal("\"v2\"", response.Headers.ETag?.Tag);
        Assert.True(sinceChange.Elapsed < TimeSpan.FromSeconds(1), $"answered {sinceChange.Elapsed.TotalMilliseconds:0} ms after the change");
    }

    [Fact]
    public async Task LongPoll_Returns304_WhenNothingChangesWithinTheWait()
    {
        using var client = await server.App.CreateDeviceAsync("poller", Samples.Unique("twin"));
        var waited = Stopwatch.StartNew();

        using var response = await client.SendAsync(ConfigRequest("\"v1\"", waitSeconds: 1));

        waited.Stop();
        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Equal("\"v1\"", response.Headers.ETag?.Tag);
        Assert.True(waited.Elapsed >= TimeSpan.FromMilliseconds(950), $"answered after {waited.Elapsed.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task LongPoll_AnswersAtOnce_WhenTheDeviceHasNoVersionYet()
    {
        using var client = await server.App.CreateDeviceAsync("booting", Samples.Unique("twin"));
        var waited = Stopwatch.StartNew();

        using var response = await client.GetAsync("/api/v1/config?waitSeconds=5");

        waited.Stop();
        Assert.Equal(1, (await response.JsonAsync(HttpStatusCode.OK)).GetProperty("version").GetInt64());
        Assert.True(waited.Elapsed < TimeSpan.FromSeconds(2), $"a device with nothing should not wait; it waited {waited.Elapsed.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task LongPoll_AnswersAtOnce_WhenTheDeviceIsBehind()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("twin");
        using var client = await server.App.CreateDeviceAsync("behind", fleet);
        await admin.ChangeFleetConfigAsync(fleet, new ConfigChange(Threshold: 0.6));
        var waited = Stopwatch.StartNew();

        using var response = await client.SendAsync(ConfigRequest("\"v1\"", waitSeconds: 5));

        waited.Stop();
        Assert.Equal(2, (await response.JsonAsync(HttpStatusCode.OK)).GetProperty("version").GetInt64());
        Assert.True(waited.Elapsed < TimeSpan.FromSeconds(2), $"waited {waited.Elapsed.TotalMilliseconds:0} ms");
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(61)]
    public async Task LongPoll_Returns400NamingWaitSeconds_OutsideTheAllowedRange(int waitSeconds)
    {
        using var response = await server.DeviceClient.GetAsync($"/api/v1/config?waitSeconds={waitSeconds}");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "waitSeconds");
    }

    private static HttpRequestMessage ConfigRequest(string etag, int? waitSeconds = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, waitSeconds is { } w ? $"/api/v1/config?waitSeconds={w}" : "/api/v1/config");
        request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(etag));
        return request;
    }

    /// <summary>Completes when the server has parked a long-poll of <paramref name="deviceId"/> (it subscribed to its next change).</summary>
    private async Task PollParked(string deviceId)
    {
        var notifier = server.App.Services.GetRequiredService<ConfigNotifier>();
        var parked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnSubscribed(string id)
        {
            if (id == deviceId)
            {
                parked.TrySetResult();
            }
        }

        notifier.Subscribed += OnSubscribed;
        try
        {
            await parked.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            notifier.Subscribed -= OnSubscribed;
        }
    }
}
