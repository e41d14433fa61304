using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace HiPortal.DeviceSdk.Tests;

[Collection(ServerCollection.Name)]
public sealed class ConfigurationTests(ServerFixture server)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ConfigChange_ReachesTheDevice_AndIsAcknowledgedAsApplied(bool longPoll)
    {
        var fleet = longPoll ? "cfg-poll" : "cfg-answer";
        var device = await server.RegisterDeviceAsync(fleet, threshold: 0.7);
        await using var client = Devices.Create(server.App, device, longPoll: longPoll);
        var changes = new List<DeviceConfigurationEventArgs>();
        var secondVersion = new TaskCompletionSource<DeviceConfigurationEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ConfigurationChanged += (_, change) =>
        {
            lock (changes)
                changes.Add(change);
            if (change.Version == 2)
                secondVersion.TrySetResult(change);
        };
        await client.StartAsync();
        Assert.Equal((1L, 0.7), (client.Configuration.Version, client.Configuration.Threshold));

        using var admin = await server.App.CreateAdminAsync();
        await admin.ChangeFleetConfigAsync(fleet, new ConfigChange(Threshold: 0.8, Reason: "test"));
        if (!longPoll)
        {
            // Without a long-poll the device learns the new version from the next answer it gets.
            Assert.True(await client.FlushTelemetryAsync());
        }

        var change = await secondVersion.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(change.Applied);
        Assert.True(change.Acknowledged);
        Assert.Equal((2L, 0.8), (client.Configuration.Version, client.Configuration.Threshold));
        var detail = await admin.GetDeviceAsync(device.DeviceId);
        var row = detail.GetProperty("device");
        Assert.Equal(2, row.GetProperty("reportedVersion").GetInt64());
        Assert.Equal("applied", row.GetProperty("reportedStatus").GetString());
        Assert.False(row.GetProperty("pending").GetBoolean());
        Assert.Equal([1L, 2L], changes.Select(c => c.Version));
        var applied = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/admin/devices?fleet={fleet}&status=applied");
        Assert.Equal(device.DeviceId, Assert.Single(applied.GetProperty("items").EnumerateArray()).GetProperty("deviceId").GetString());
    }

    [Fact]
    public async Task InvalidConfiguration_IsRejectedWithTheReason_AndTheRunningOneKept()
    {
        var acks = new List<JsonElement>();
        using var network = new StubServer(request =>
        {
            if (request.Method == HttpMethod.Get)
            {
                // top2-lr without its coefficients cannot run.
                return StubServer.Json(HttpStatusCode.OK,
                    """{"version":3,"rule":"top2-lr","threshold":0.5,"coefficients":null,"telemetryIntervalSeconds":10,"fleet":"x"}""");
            }

            acks.Add(JsonDocument.Parse(request.Content!.ReadAsStringAsync().Result).RootElement.Clone());
            return StubServer.Json(HttpStatusCode.OK, """{"version":3,"status":"rejected","configVersion":3}""");
        });
        await using var client = new HiDeviceClient(new HiDeviceOptions
        {
            ServerUri = new Uri("http://device-tests.invalid/"),
            DeviceKey = "key",
            Model = TinyReference.Model,
            HttpMessageHandler = network,
        });

        Assert.True(await client.SyncConfigurationAsync());

        var ack = Assert.Single(acks);
        Assert.Equal(3, ack.GetProperty("version").GetInt64());
        Assert.Equal("rejected", ack.GetProperty("status").GetString());
        Assert.Contains("coefficients", ack.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal((0L, "max-softmax", 0.65), (client.Configuration.Version, client.Configuration.Rule, client.Configuration.Threshold));
        Assert.Equal(1, client.GetStatistics().ConfigurationsRejected);
        // Rejected versions are not fetched again.
        Assert.False(await client.SyncConfigurationAsync());
    }
}

/// <summary>Answers every request from a function: for protocol cases the real server never produces.</summary>
public sealed class StubServer(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
{
    public static HttpResponseMessage Json(HttpStatusCode status, string json) =>
        new(status) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        Task.FromResult(answer(request));
}
