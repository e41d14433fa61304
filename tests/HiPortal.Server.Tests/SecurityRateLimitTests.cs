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
    private const string Infer = "/v2/models/fashion-large/infer";

    [Fact]
    public async Task OipInference_CostsOneTokenPerSample_SoABigRequestSpendsTheDevicesShare()
    {
        await using var app = await HiPortalHost.StartAsync();
        using var admin = await app.CreateAdminAsync();
        var fleet = Samples.Unique("samples");
        await admin.CreateFleetAsync(fleet);
        await admin.ChangeFleetSettingsAsync(fleet, new FleetSettingsRequest(RateLimitPerSecond: 0.001, RateLimitBurst: 10));
        using var device = await app.CreateDeviceAsync("oip", fleet);

        using var first = await device.PostAsJsonAsync(Infer, InferBody(8));
        using var second = await device.PostAsJsonAsync(Infer, InferBody(8));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await AssertTooManyAsync(second);
    }

    [Fact]
    public async Task OperatorsAndAdmins_AreLimitedToo_EachOnTheirOwnShare_WithTheSame429()
    {
        await using var app = await HiPortalHost.StartAsync(new HiPortalHostOptions
        {
            Settings = new Dictionary<string, string?> { ["RateLimits:UserPerSecond"] = "0.001", ["RateLimits:UserBurst"] = "4" },
        });
        using var admin = await app.CreateAdminAsync();
        var operatorName = Samples.Unique("op");
        await admin.CreateUserAsync(operatorName, HiPortalHost.UserPassword, "Operator");

        using var reader = await app.SignInAsync(operatorName, HiPortalHost.UserPassword);
        for (var i = 0; i < 4; i++)
        {
            await reader.ListFleetsAsync();
        }

        using var refused = await reader.GetAsync(Routes.Fleets);
        await AssertTooManyAsync(refused);
        // The admin has spent 1 of 4 (creating the operator): the operator's share was its own.
        for (var i = 0; i < 3; i++)
        {
            await admin.ListFleetsAsync();
        }

        using var adminRefused = await admin.PostAsJsonAsync(Infer, InferBody(1));
        await AssertTooManyAsync(adminRefused);
    }

    [Fact]
    public async Task RequestBodies_BeyondTheServersBufferBudget_Get503WithRetryAfter_AndTheBudgetIsReturned()
    {
        await using var app = await HiPortalHost.StartAsync(new HiPortalHostOptions
        {
            Settings = new Dictionary<string, string?> { ["RateLimits:MaxBufferedBodyBytes"] = (1024 * 1024).ToString() },
        });
        using var admin = await app.CreateAdminAsync();
        var big = JsonSerializer.Serialize(InferBody(1)).PadRight(2 * 1024 * 1024);

        using var refused = await admin.PostAsync(Infer, RawJson(big));
        using var small = await admin.PostAsJsonAsync(Infer, InferBody(1));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal(WireHeaders.ProblemContentType, refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
    }

    /// <summary>An OIP inference request for the first <paramref name="samples"/> test images.</summary>
    internal static object InferBody(int samples)
    {
        var data = Enumerable.Range(0, samples).SelectMany(i => Samples.Test.Sample(i).ToArray().Select(p => p / 255f)).ToArray();
        return new { inputs = new[] { new { name = "input", shape = new[] { samples, 1, 28, 28 }, datatype = "FP32", data } } };
    }

    /// <summary>The one 429 shape: RFC 7807 with status 429, Retry-After in seconds, and OIP's "error" member.</summary>
    internal static async Task AssertTooManyAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.TooManyRequests, $"expected 429, got {(int)response.StatusCode}: {text}");
        Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal(WireHeaders.ProblemContentType, response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(text);
        Assert.Equal(429, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("error").GetString()));
    }
}
