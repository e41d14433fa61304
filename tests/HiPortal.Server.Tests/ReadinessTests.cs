using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HiPortal.Server.Inference;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Server.Tests;

/// <summary>A server whose model cannot load stays up, says it is not ready, and answers 503 rather than 500.</summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task Server_ReportsNotReadyAndAnswers503_WhenTheModelCannotLoad()
    {
        await using var app = new HiPortalHost(new() { Settings = new Dictionary<string, string?> { ["Models:DefaultLarge"] = "no-such-model@1.0.0" } });
        app.StartServer();
        using var anonymous = app.CreateAnonymousClient();
        var model = app.Services.GetRequiredService<ModelHost>();
        await Assert.ThrowsAnyAsync<Exception>(() => model.WhenReady.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(model.WhenReady.IsFaulted);
        using var device = await app.CreateDeviceAsync();

        using var live = await anonymous.GetAsync("/health/live");
        using var ready = await anonymous.GetAsync("/health/ready");
        using var oipReady = await anonymous.GetAsync("/v2/health/ready");
        using var offload = await device.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(0, "no-model"));
        using var infer = await device.PostAsJsonAsync("/v2/models/fashion-large/infer",
            new { inputs = new[] { new { name = "input", shape = new[] { 1, 784 }, datatype = "UINT8", data = new int[784] } } });

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, oipReady.StatusCode);
        using (var body = JsonDocument.Parse(await oipReady.Content.ReadAsStringAsync()))
        {
            Assert.False(body.RootElement.GetProperty("ready").GetBoolean());
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, offload.StatusCode);
        Assert.NotNull(offload.Headers.RetryAfter);
        Assert.Equal("application/problem+json", offload.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, infer.StatusCode);
        Assert.NotNull(infer.Headers.RetryAfter);
        Assert.Equal(0L, await app.Database.CountAsync("SELECT COUNT(*) FROM \"Decisions\""));
    }
}
