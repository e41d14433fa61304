using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace HiPortal.Server.Tests;

/// <summary>
/// Per-device token buckets sized by the fleet. The clock is fake, so no token refills between two requests unless
/// a test moves time: the counts below are exact, not "fast enough".
/// </summary>
public sealed class RateLimitTests(FakeClockFixture server) : IClassFixture<FakeClockFixture>
{
    [Fact]
    public async Task ThirdQuickOffload_Gets429WithRetryAfterAndAProblem_WhenTheFleetAllowsBurst2()
    {
        var (first, _) = await LimitedFleetAsync();
        using var client = server.App.CreateDeviceClient(first);

        await client.OffloadAsync(0, "burst-0");
        await client.OffloadAsync(1, "burst-1");
        using var third = await client.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(2, "burst-2"));

        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), third.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", third.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await third.Content.ReadAsStringAsync());
        Assert.Equal(429, problem.RootElement.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task RefusedOffload_IsNotStored()
    {
        var (first, _) = await LimitedFleetAsync();
        using var client = server.App.CreateDeviceClient(first);
        await client.OffloadAsync(0, "stored-0");
        await client.OffloadAsync(1, "stored-1");

        using var refused = await client.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(2, "refused-2"));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var stored = await server.App.Database.CountAsync("SELECT COUNT(*) FROM \"Decisions\" WHERE \"DeviceId\" = @d", ("@d", first.DeviceId));
        Assert.Equal(2, stored);
    }

    [Fact]
    public async Task AnotherDeviceInTheSameFleet_IsUnaffected_WhenOneDeviceIsLimited()
    {
        var (first, second) = await LimitedFleetAsync();
        using var limited = server.App.CreateDeviceClient(first);
        using var other = server.App.CreateDeviceClient(second);
        await limited.GetConfigAsync();
        await limited.GetConfigAsync();
        using var refused = await limited.GetAsync("/api/v1/config");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);

        await other.OffloadAsync(3, "other-3");
        await other.GetConfigAsync();
    }

    [Fact]
    public async Task LimitedDevice_IsServedAgain_OnceATokenHasRefilled()
    {
        var (first, _) = await LimitedFleetAsync();
        using var client = server.App.CreateDeviceClient(first);
        await client.GetConfigAsync();
        await client.GetConfigAsync();
        using var refused = await client.GetAsync("/api/v1/config");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);

        server.Time.Advance(TimeSpan.FromSeconds(1));
        await client.GetConfigAsync();
        using var refusedAgain = await client.GetAsync("/api/v1/config");

        Assert.Equal(HttpStatusCode.TooManyRequests, refusedAgain.StatusCode);
    }

    [Fact]
    public async Task NewFleetLimits_ApplyAtOnce_ToDevicesAlreadyLimited()
    {
        var (first, _) = await LimitedFleetAsync();
        using var admin = await server.App.CreateAdminAsync();
        using var client = server.App.CreateDeviceClient(first);
        await client.GetConfigAsync();
        await client.GetConfigAsync();
        using var refused = await client.GetAsync("/api/v1/config");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);

        await admin.ChangeFleetSettingsAsync(first.Fleet, new FleetSettingsRequest(RateLimitBurst: 5));

        for (var i = 0; i < 5; i++)
        {
            await client.GetConfigAsync();
        }

        using var sixth = await client.GetAsync("/api/v1/config");
        Assert.Equal(HttpStatusCode.TooManyRequests, sixth.StatusCode);
    }

    [Fact]
    public async Task ABatchOfMoreSamplesThanTheBurst_Is413NamingItems_NotA429ThatCouldNeverPass()
    {
        var (first, second) = await LimitedFleetAsync();
        using var limited = server.App.CreateDeviceClient(first);
        using var other = server.App.CreateDeviceClient(second);

        using var tooMany = await limited.PostAsync(Routes.OffloadsBatch, Batch("over-burst", 3));
        using var fits = await other.PostAsync(Routes.OffloadsBatch, Batch("at-burst", 2));
        server.Time.Advance(TimeSpan.FromSeconds(1)); // one token back: the request passes the middleware, not its items
        using var spent = await other.PostAsync(Routes.OffloadsBatch, Batch("spent", 2));

        var problem = await AssertProblemAsync(tooMany, HttpStatusCode.RequestEntityTooLarge, "items");
        Assert.Null(tooMany.Headers.RetryAfter);
        Assert.Contains("3 samples in one request, and this caller's burst is 2", problem.Detail);
        Assert.Equal(0L, await server.App.Database.CountAsync("SELECT COUNT(*) FROM \"Decisions\" WHERE \"DeviceId\" = @d", ("@d", first.DeviceId)));
        Assert.Equal(2, (await fits.JsonAsync(HttpStatusCode.OK)).GetProperty("succeeded").GetInt32());
        // A batch the bucket can hold once it refills is a 429, and its detail counts the request's own samples.
        Assert.Equal(HttpStatusCode.TooManyRequests, spent.StatusCode);
        Assert.Contains("(this request: 2 samples)", await spent.Content.ReadAsStringAsync());
    }

    private static StringContent Batch(string prefix, int items) => ResponseAssertions.RawJson(System.Text.Json.JsonSerializer.Serialize(
        new OffloadBatchRequest { Items = [.. Enumerable.Range(0, items).Select(i => Samples.Offload(i, Samples.Unique(prefix)))] },
        ContractsJson.Default.OffloadBatchRequest));

    /// <summary>A new fleet limited to 1 request/s with a burst of 2, and two devices in it that have made no request.</summary>
    private async Task<(CreatedDevice First, CreatedDevice Second)> LimitedFleetAsync()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("limited");
        await admin.CreateFleetAsync(fleet);
        await admin.ChangeFleetSettingsAsync(fleet, new FleetSettingsRequest(RateLimitPerSecond: 1, RateLimitBurst: 2));
        return (await server.App.RegisterDeviceAsync("first", fleet), await server.App.RegisterDeviceAsync("second", fleet));
    }
}
