using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HiPortal.Server.Live;
using Microsoft.AspNetCore.SignalR.Client;

namespace HiPortal.Dashboard.Tests.Live;

/// <summary>The live stream as an outside client sees it: SignalR over real HTTP, against the stored aggregates.</summary>
public sealed class LiveHubTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    private readonly HiPortalHost _app = fixture.App;

    [Fact]
    public async Task Subscriber_ReceivesSnapshots_ThatMatchTheStoredAggregates()
    {
        const int Offloads = 9;
        const long Samples = 120, Offloaded = 30, BytesSent = 30 * 784;
        var device = await _app.RegisterDeviceAsync("hub-sensor", "hub");
        using var olga = await _app.CreateOperatorAsync("olga");
        var token = olga.Bearer!;
        await using var connection = Connect(token);
        // The first pushed snapshot that has counted everything this test sends.
        var complete = new TaskCompletionSource<SavingsSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On<SavingsSnapshot>("snapshot", s =>
        {
            if (s.Fleet == "*" && Math.Round(s.OffloadsPerSecond * s.WindowSeconds) == Offloads &&
                Math.Round(s.SamplesPerSecond * s.WindowSeconds) == Samples)
            {
                complete.TrySetResult(s);
            }
        });
        await connection.StartAsync();
        await connection.InvokeAsync<SavingsSnapshot?>("Subscribe", "*");

        using (var client = _app.CreateClient(device.Key))
        {
            await DeviceTraffic.PostOffloadsAsync(client, "hub", Offloads);
            await DeviceTraffic.PostTelemetryAsync(client, 1, (Samples, Offloaded));
        }

        var snapshot = await complete.Task.WaitAsync(TimeSpan.FromSeconds(15));

        var stored = await StoredAsync();
        Assert.Equal(60, snapshot.WindowSeconds);
        Assert.Equal(Offloads, stored.Offloads);
        Assert.Equal(stored.Agreements / stored.Offloads, snapshot.AgreementRate!.Value, 12);
        Assert.Equal(stored.Labelled, snapshot.Labelled);
        Assert.Equal(stored.ServerCorrect / stored.Labelled, snapshot.ServerAccuracyOnOffloads!.Value, 12);
        Assert.Equal(stored.BatchSizeSum / stored.Offloads, snapshot.MeanBatchSize!.Value, 12);
        Assert.Equal((double)Offloaded / Samples, snapshot.OffloadRate!.Value, 12);
        Assert.Equal(1 - ((double)BytesSent / (Samples * 784)), snapshot.BandwidthSavedFraction!.Value, 12);
        Assert.Equal((Samples * 784) - BytesSent, snapshot.BytesSaved);

        // The stats API over the same data costs latency and energy the same way.
        using var reader = _app.CreateClient(token);
        using var stats = JsonDocument.Parse(await reader.GetStringAsync("/api/v1/stats/fleets/hub"));
        var totals = stats.RootElement.GetProperty("totals");
        Assert.Equal(Offloads, totals.GetProperty("offloadsReceived").GetInt64());
        Assert.Equal(Samples, totals.GetProperty("samples").GetInt64());
        Assert.Equal(totals.GetProperty("agreementRate").GetDouble(), snapshot.AgreementRate!.Value, 12);
        Assert.Equal(totals.GetProperty("latencyHiMs").GetDouble(), snapshot.LatencyHiMs!.Value, 9);
        Assert.Equal(totals.GetProperty("latencyFullOffloadMs").GetDouble(), snapshot.LatencyFullOffloadMs!.Value, 9);
        Assert.Equal(totals.GetProperty("energySavedFraction").GetDouble(), snapshot.EnergySavedFraction!.Value, 12);

        // Subscribing again answers at once with the latest snapshot, which has the same figures.
        var latest = await connection.InvokeAsync<SavingsSnapshot?>("Subscribe", "*");
        Assert.Equal(snapshot with { At = latest!.At, DevicesOnline = latest.DevicesOnline, DevicesTotal = latest.DevicesTotal, QueueDepth = latest.QueueDepth },
            latest);
    }

    [Fact]
    public async Task FleetSubscriber_GetsThatFleetsSnapshots_AndNotTheOthers()
    {
        using var admin = await _app.CreateAdminAsync();
        var token = admin.Bearer!;
        await using var connection = Connect(token);
        var fleets = new List<string>();
        var three = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On<SavingsSnapshot>("snapshot", s =>
        {
            lock (fleets)
            {
                fleets.Add(s.Fleet);
                if (fleets.Count == 3)
                {
                    three.TrySetResult();
                }
            }
        });
        await connection.StartAsync();

        await connection.InvokeAsync<SavingsSnapshot?>("Subscribe", "default");
        await three.Task.WaitAsync(TimeSpan.FromSeconds(15));

        lock (fleets)
        {
            Assert.All(fleets, f => Assert.Equal("default", f));
        }
    }

    [Fact]
    public async Task AnonymousConnection_IsRefusedWith401()
    {
        await using var connection = Connect(token: null);

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => connection.StartAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HubConnectionState.Disconnected, connection.State);
    }

    [Fact]
    public async Task DeviceKey_IsRefusedWith403()
    {
        var device = await _app.RegisterDeviceAsync("nosy-sensor", "hub");
        await using var connection = Connect(device.Key);

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => connection.StartAsync());

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task Negotiation_AcceptsTheTokenInTheAccessTokenQuery_AsBrowsersSendIt()
    {
        using var admin = await _app.CreateAdminAsync();
        var token = admin.Bearer!;
        using var anonymous = _app.CreateAnonymousClient();

        using var withToken = await anonymous.PostAsync($"/hubs/live/negotiate?negotiateVersion=1&access_token={Uri.EscapeDataString(token)}", null);
        using var withBadToken = await anonymous.PostAsync("/hubs/live/negotiate?negotiateVersion=1&access_token=hpt_forged", null);
        using var without = await anonymous.PostAsync("/hubs/live/negotiate?negotiateVersion=1", null);

        Assert.Equal(HttpStatusCode.OK, withToken.StatusCode);
        Assert.True((await withToken.Content.ReadFromJsonAsync<JsonElement>()).TryGetProperty("connectionToken", out _));
        Assert.Equal(HttpStatusCode.Unauthorized, withBadToken.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
    }

    private HubConnection Connect(string? token) => new HubConnectionBuilder()
        .WithUrl(new Uri(_app.HttpAddress, "/hubs/live"), o =>
        {
            if (token is not null)
            {
                o.AccessTokenProvider = () => Task.FromResult<string?>(token);
            }
        })
        .Build();

    private sealed record Stored(long Offloads, double Agreements, long Labelled, double ServerCorrect, double BatchSizeSum);

    private async Task<Stored> StoredAsync() => Assert.Single(await _app.Database.QueryAsync(
        "SELECT COUNT(*), TOTAL(Agrees), COUNT(Label), TOTAL(ServerClass = Label), TOTAL(BatchSize) FROM Decisions",
        r => new Stored(r.GetInt64(0), r.GetDouble(1), r.GetInt64(2), r.GetDouble(3), r.GetDouble(4))));
}
