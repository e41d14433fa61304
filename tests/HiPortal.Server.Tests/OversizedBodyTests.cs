using System.Net;

namespace HiPortal.Server.Tests;

/// <summary>Admin bodies over the limits are refused with a 4xx before a handler runs, never a 500.</summary>
public sealed class OversizedBodyTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Theory]
    [InlineData(2_000_000)]
    [InlineData(31_000_000)]
    public async Task OversizedBodies_AreRefusedWith4xx_NeverA500(int bytes)
    {
        using var admin = await server.App.CreateAdminAsync();
        var name = Samples.Unique("huge");
        var padding = new string('x', bytes);

        using var large = LargeBodyClient(admin);
        using var create = await SendLargeAsync(large, HttpMethod.Post, "/api/v1/admin/fleets", $$"""{"name":"{{name}}","reason":"{{padding}}"}""");
        using var change = await SendLargeAsync(large, HttpMethod.Put, "/api/v1/admin/fleets/default/config", $$"""{"threshold":0.5,"reason":"{{padding}}"}""");
        using var device = await SendLargeAsync(large, HttpMethod.Post, "/api/v1/admin/devices", $$"""{"name":"{{padding}}"}""");

        // Both past RateLimits:MaxJsonBodyBytes (1 MiB), the second past Kestrel's own 30 MB too.
        foreach (var response in new[] { create, change, device })
        {
            await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "body");
        }

        using var lookup = await admin.GetAsync($"/api/v1/admin/fleets/{name}");
        Assert.Equal(HttpStatusCode.NotFound, lookup.StatusCode);
    }

    [Fact]
    public async Task AnAnonymousBodyPast64KiB_Is413_BeforeSignInReadsIt()
    {
        using var anonymous = server.App.CreateAnonymousClient();

        using var large = await SendLargeAsync(anonymous, HttpMethod.Post, Routes.Token,
            $$"""{"username":"{{new string('u', 100_000)}}","password":"x"}""");
        using var small = await SendLargeAsync(anonymous, HttpMethod.Post, Routes.Token,
            $$"""{"username":"{{new string('u', 60_000)}}","password":"x"}""");

        await AssertProblemAsync(large, HttpStatusCode.RequestEntityTooLarge, "body");
        Assert.True(small.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized, $"{(int)small.StatusCode}");
    }

    [Fact]
    public async Task RoutesWithLimitsOfTheirOwn_StillTakeBodiesPastTheDefault()
    {
        // 2 MiB: past the 1 MiB default, inside the batch route's 4 MiB and Open Inference's 16 MiB. Each is read
        // whole and refused for what it says, not for its size: the batch's one item, and the inference request.
        var padding = new string(' ', 2 * 1024 * 1024);
        using var batch = await SendLargeAsync(server.DeviceClient, HttpMethod.Post, Routes.OffloadsBatch, $$"""{"items":[{{padding}}"x"]}""");
        using var infer = await SendLargeAsync(server.DeviceClient, HttpMethod.Post, "/v2/models/fashion-large/infer", $$"""{"inputs":[{{padding}}"x"]}""");

        var items = await batch.JsonAsync(HttpStatusCode.OK);
        Assert.Equal(1, items.GetProperty("failed").GetInt32());
        Assert.Equal("body", items.GetProperty("items")[0].GetProperty("error").GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, infer.StatusCode);
    }

    /// <summary>
    /// The admin's credentials on a handler that waits for the server's 100-continue or refusal instead of the default
    /// 1 s: on a loaded machine the refusal can take longer, and a client that starts writing 31 MB by then meets a
    /// socket Kestrel has closed (a broken pipe, not an answer).
    /// </summary>
    private static HttpClient LargeBodyClient(HttpClient admin)
    {
        var client = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(60) })
        {
            BaseAddress = admin.BaseAddress,
        };
        client.DefaultRequestHeaders.Authorization = admin.DefaultRequestHeaders.Authorization;
        return client;
    }

    /// <summary>
    /// Sends with Expect: 100-continue, as a client with a large body should: a server refusing the body by its
    /// Content-Length (Kestrel's 30 MB limit) answers before it is sent, instead of the client writing into a closed socket.
    /// </summary>
    private static Task<HttpResponseMessage> SendLargeAsync(HttpClient client, HttpMethod method, string path, string json)
    {
        var request = new HttpRequestMessage(method, path) { Content = RawJson(json) };
        request.Headers.ExpectContinue = true;
        return client.SendAsync(request);
    }
}
