using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace HiPortal.Server.Tests;

/// <summary>
/// Issue 14, finding 2: limits count samples, every kind of caller (device, operator, admin) has its own share and
/// gets the same 429 (problem, Retry-After), and the bytes held in request bodies are bounded. Rates are tiny, so no
/// token refills within a test: the counts below are exact.
/// </summary>
public sealed class SecurityRateLimitTests
{
    [Fact]
    public async Task OipInference_CostsOneTokenPerSample_SoABigRequestSpendsTheDevicesShare()
    {
        await using var app = new HiPortalApp();
        (await app.StartAsync()).Dispose();
        using var admin = await app.CreateAdminClientAsync();
        var fleet = FleetApi.Unique("samples");
        await admin.CreateFleetAsync(fleet);
        await admin.ChangeFleetSettingsAsync(fleet, new { rateLimitPerSecond = 0.001, rateLimitBurst = 10 });
        using var device = app.CreateDeviceClient(await app.CreateDeviceAsync("oip", fleet));

        using var first = await device.PostAsJsonAsync("/v2/models/large/infer", Infer(8));
        using var second = await device.PostAsJsonAsync("/v2/models/large/infer", Infer(8));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await AssertTooManyAsync(second);
    }

    [Fact]
    public async Task OperatorsAndAdmins_AreLimitedToo_EachOnTheirOwnShare_WithTheSame429()
    {
        await using var app = new HiPortalApp(new Dictionary<string, string?>
        {
            ["RateLimits:UserPerSecond"] = "0.001",
            ["RateLimits:UserBurst"] = "4",
        });
        (await app.StartAsync()).Dispose();
        using var admin = await app.CreateAdminClientAsync();
        var operatorName = FleetApi.Unique("op");
        using (var created = await admin.PostAsJsonAsync("/api/v1/admin/users", new { username = operatorName, password = "operator-password", role = "Operator" }))
        {
            await created.JsonAsync(HttpStatusCode.Created);
        }

        using var reader = await SecurityIdentityTests.SignedInAsync(app, operatorName, "operator-password");
        for (var i = 0; i < 4; i++)
        {
            using var allowed = await reader.GetAsync("/api/v1/admin/fleets");
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        using var refused = await reader.GetAsync("/api/v1/admin/fleets");
        await AssertTooManyAsync(refused);
        // The admin has spent 1 of 4 (creating the operator): the operator's share was its own.
        for (var i = 0; i < 3; i++)
        {
            using var allowed = await admin.GetAsync("/api/v1/admin/fleets");
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        using var adminRefused = await admin.PostAsJsonAsync("/v2/models/large/infer", Infer(1));
        await AssertTooManyAsync(adminRefused);
    }

    [Fact]
    public async Task RequestBodies_BeyondTheServersBufferBudget_Get503WithRetryAfter_AndTheBudgetIsReturned()
    {
        await using var app = new HiPortalApp(new Dictionary<string, string?> { ["RateLimits:MaxBufferedBodyBytes"] = (1024 * 1024).ToString() });
        (await app.StartAsync()).Dispose();
        using var admin = await app.CreateAdminClientAsync();
        var big = JsonSerializer.Serialize(Infer(1)).PadRight(2 * 1024 * 1024);

        using var refused = await admin.PostAsync("/v2/models/large/infer", new StringContent(big, System.Text.Encoding.UTF8, "application/json"));
        using var small = await admin.PostAsJsonAsync("/v2/models/large/infer", Infer(1));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
    }

    internal static object Infer(int samples)
    {
        var data = Enumerable.Range(0, samples).SelectMany(i => Samples.Test.Image(i).ToArray().Select(p => p / 255f)).ToArray();
        return new { inputs = new[] { new { name = "input", shape = new[] { samples, 1, 28, 28 }, datatype = "FP32", data } } };
    }

    /// <summary>The one 429 shape: RFC 7807 with status 429, Retry-After in seconds, and OIP's "error" member.</summary>
    internal static async Task AssertTooManyAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.TooManyRequests, $"expected 429, got {(int)response.StatusCode}: {text}");
        Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(text);
        Assert.Equal(429, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("error").GetString()));
    }
}
