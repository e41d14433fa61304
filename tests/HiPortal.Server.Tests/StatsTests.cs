using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using HiPortal.Core.Savings;

namespace HiPortal.Server.Tests;

public sealed class StatsTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const int Precision = 9;
    // 10:00 yesterday (UTC): a whole minute, and recent, as the server accepts telemetry only from the last two years.
    private static readonly DateTimeOffset s_minute = TelemetryTests.Yesterday(10);

    [Fact]
    public async Task Stats_AreReadableByOperatorsAndAdmins_ForbiddenToDevices_AndNeedAuthorization()
    {
        using var op = await OperatorClientAsync();
        using var admin = await server.App.CreateAdminAsync();
        foreach (var path in new[] { "/api/v1/stats/fleets/default", $"/api/v1/stats/devices/{server.Device.DeviceId}" })
        {
            using var asOperator = await op.GetAsync(path);
            using var asAdmin = await admin.GetAsync(path);
            using var asDevice = await server.DeviceClient.GetAsync(path);
            using var asNobody = await server.Anonymous.GetAsync(path);

            Assert.Equal(HttpStatusCode.OK, asOperator.StatusCode);
            Assert.Equal(HttpStatusCode.OK, asAdmin.StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, asDevice.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, asNobody.StatusCode);
        }
    }

    [Fact]
    public async Task FleetStats_AddUpThePostedTelemetry_InEpochAlignedBuckets()
    {
        using var admin = await server.App.CreateAdminAsync();
        await admin.CreateFleetAsync(new CreateFleetRequest("stats-telemetry", DeviceProfile: DeviceProfiles.Nrf52840Ble.Name));
        using var a = server.App.CreateDeviceClient(await server.App.RegisterDeviceAsync("stats-a", "stats-telemetry"));
        using var b = server.App.CreateDeviceClient(await server.App.RegisterDeviceAsync("stats-b", "stats-telemetry"));
        await TelemetryTests.PostOkAsync(a,
            TelemetryTests.Report(1, 100, 90, 10, 0.21, s_minute, bytesSent: 7840, rttMicrosSum: 230_000, rttCount: 10),
            TelemetryTests.Report(2, 50, 40, 10, 0.10, s_minute.AddMilliseconds(59_999), bytesSent: 7840, rttMicrosSum: 200_000, rttCount: 10),
            TelemetryTests.Report(3, 70, 70, 0, 0.05, s_minute.AddMilliseconds(-1)));
        await TelemetryTests.PostOkAsync(b,
            TelemetryTests.Report(1, 200, 180, 20, 0.30, s_minute.AddSeconds(60), bytesSent: 15_680, rttMicrosSum: 500_000, rttCount: 20),
            TelemetryTests.Report(2, 80, 80, 0, 0.05, s_minute.AddSeconds(180)));

        var stats = await GetStatsAsync($"/api/v1/stats/fleets/stats-telemetry?from={Iso(s_minute)}&to={Iso(s_minute.AddSeconds(180))}&bucketSeconds=60");

        Assert.Equal("stats-telemetry", (string?)stats["fleet"]);
        Assert.Equal(60, (int)stats["bucketSeconds"]!);
        var totals = stats["totals"]!;
        Assert.Equal(350, Long(totals, "samples"));
        Assert.Equal(310, Long(totals, "decidedLocally"));
        Assert.Equal(40, Long(totals, "offloaded"));
        Assert.Equal(40.0 / 350, Double(totals, "offloadRate")!.Value, Precision);
        Assert.Equal(31_360, Long(totals, "bytesSent"));
        Assert.Equal(350 * 784, Long(totals, "bytesFullOffload"));
        Assert.Equal(1 - (31_360.0 / (350 * 784)), Double(totals, "bandwidthSavedFraction")!.Value, Precision);
        Assert.Equal(930_000.0 / 40 / 1000, Double(totals, "meanOffloadRttMs")!.Value, Precision);
        Assert.Equal(0.61, Double(totals, "energyJoules")!.Value, Precision);
        Assert.Equal(0, Long(totals, "offloadsReceived"));
        Assert.Null(Double(totals, "agreementRate"));
        AssertSavings(totals, 40.0 / 350, DeviceProfiles.Nrf52840Ble);

        var series = stats["series"]!.AsArray();
        Assert.Equal(new[] { s_minute, s_minute.AddSeconds(60), s_minute.AddSeconds(120) }, series.Select(bucket => Time(bucket!, "bucketStart")));
        Assert.Equal(new long[] { 150, 200, 0 }, series.Select(bucket => Long(bucket!, "samples")));
        Assert.Equal(new long[] { 20, 20, 0 }, series.Select(bucket => Long(bucket!, "offloaded")));
        AssertSavings(series[0]!, 20.0 / 150, DeviceProfiles.Nrf52840Ble);
        AssertSavings(series[1]!, 20.0 / 200, DeviceProfiles.Nrf52840Ble);
        Assert.Null(Double(series[2]!, "offloadRate"));
        Assert.Null(Double(series[2]!, "latencyHiMs"));
    }

    [Fact]
    public async Task FleetStats_BucketsAlignToTheEpoch_AndCountOnlyRowsInsideTheWindow()
    {
        using var admin = await server.App.CreateAdminAsync();
        await admin.CreateFleetAsync(new CreateFleetRequest("stats-aligned", DeviceProfile: DeviceProfiles.Esp32Wifi.Name));
        using var device = server.App.CreateDeviceClient(await server.App.RegisterDeviceAsync("stats-aligned", "stats-aligned"));
        await TelemetryTests.PostOkAsync(device,
            TelemetryTests.Report(1, 10, 10, 0, 0, s_minute.AddSeconds(29)),
            TelemetryTests.Report(2, 20, 20, 0, 0, s_minute.AddSeconds(30)),
            TelemetryTests.Report(3, 40, 40, 0, 0, s_minute.AddSeconds(89)),
            TelemetryTests.Report(4, 80, 80, 0, 0, s_minute.AddSeconds(90)));

        var stats = await GetStatsAsync($"/api/v1/stats/fleets/stats-aligned?from={Iso(s_minute.AddSeconds(30))}&to={Iso(s_minute.AddSeconds(90))}&bucketSeconds=60");

        var series = stats["series"]!.AsArray();
        Assert.Equal(new[] { s_minute, s_minute.AddSeconds(60) }, series.Select(bucket => Time(bucket!, "bucketStart")));
        Assert.Equal(new long[] { 20, 40 }, series.Select(bucket => Long(bucket!, "samples")));
        Assert.Equal(60, Long(stats["totals"]!, "samples"));
    }

    [Fact]
    public async Task DeviceAndFleetStats_CountTheStoredOffloads_AgreementAndLabelledAccuracy()
    {
        using var admin = await server.App.CreateAdminAsync();
        await admin.CreateFleetAsync(new CreateFleetRequest("stats-offloads", DeviceProfile: DeviceProfiles.Esp32Wifi.Name));
        using var device = await server.App.CreateDeviceAsync("stats-offloader", "stats-offloads");
        var answers = new List<(OffloadResponse Answer, int LocalClass, int Label)>();
        for (var index = 0; index < 8; index++)
        {
            var label = (int)Samples.Test.Label(index);
            // Every third sample claims a wrong local class, so agreement and local accuracy are not all-or-nothing.
            var localClass = index % 3 == 0 ? (label + 1) % 10 : label;
            using var response = await device.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(index, $"stats-{index}", localClass));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            answers.Add(((await response.Content.ReadFromJsonAsync<OffloadResponse>())!, localClass, label));
        }

        using var unlabelled = Samples.Binary(9, "stats-unlabelled", withLabel: false).ToRequest();
        using var unlabelledResponse = await device.SendAsync(unlabelled);
        Assert.Equal(HttpStatusCode.OK, unlabelledResponse.StatusCode);
        var extra = (await unlabelledResponse.Content.ReadFromJsonAsync<OffloadResponse>())!;
        var all = answers.Select(a => a.Answer).Append(extra).ToList();

        var byDevice = (await GetStatsAsync($"/api/v1/stats/devices/{device.DeviceId}"))["totals"]!;
        var byFleet = (await GetStatsAsync("/api/v1/stats/fleets/stats-offloads"))["totals"]!;

        foreach (var totals in new[] { byDevice, byFleet })
        {
            Assert.Equal(9, Long(totals, "offloadsReceived"));
            Assert.Equal(8, Long(totals, "labelled"));
            Assert.Equal(all.Count(a => a.AgreesWithLocal) / 9.0, Double(totals, "agreementRate")!.Value, Precision);
            Assert.Equal(answers.Count(a => a.Answer.PredictedClass == a.Label) / 8.0, Double(totals, "serverAccuracyOnOffloads")!.Value, Precision);
            Assert.Equal(answers.Count(a => a.LocalClass == a.Label) / 8.0, Double(totals, "localAccuracyOnOffloads")!.Value, Precision);
            Assert.Equal(all.Average(a => a.BatchSize), Double(totals, "meanBatchSize")!.Value, Precision);
            Assert.Equal(all.Average(a => a.QueueMicros) / 1000, Double(totals, "meanQueueMs")!.Value, Precision);
            Assert.Equal(all.Average(a => a.InferenceMicros) / 1000, Double(totals, "meanInferenceMs")!.Value, Precision);
            Assert.Equal(0, Long(totals, "samples"));
        }
    }

    [Fact]
    public async Task DeviceStats_NameTheDevicesFleet_AndSeriesCoverTheDefaultHourInMinuteBuckets()
    {
        var stats = await GetStatsAsync($"/api/v1/stats/devices/{server.Device.DeviceId}");

        Assert.Equal(server.Device.DeviceId, (string?)stats["deviceId"]);
        Assert.Equal(server.Device.Fleet, (string?)stats["fleet"]);
        Assert.Equal(TimeSpan.FromHours(1), Time(stats, "to") - Time(stats, "from"));
        // 60 whole minutes, plus one when the hour does not start on a minute boundary.
        Assert.InRange(stats["series"]!.AsArray().Count, 60, 61);
    }

    [Theory]
    [InlineData("/api/v1/stats/fleets/no-such-fleet", "fleet")]
    [InlineData("/api/v1/stats/devices/dev_nosuchdevice", "deviceId")]
    public async Task Stats_Return404_ForAnUnknownFleetOrDevice(string path, string field)
    {
        using var op = await OperatorClientAsync();

        using var response = await op.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.NotNull(problem["errors"]![field]);
    }

    [Theory]
    [InlineData("bucketSeconds=5", "bucketSeconds")]
    [InlineData("bucketSeconds=86401", "bucketSeconds")]
    [InlineData("bucketSeconds=minute", "bucketSeconds")]
    [InlineData("from=2026-03-01T00:00:00Z&to=2026-03-03T00:00:00Z&bucketSeconds=60", "bucketSeconds")]
    [InlineData("from=yesterday", "from")]
    [InlineData("from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z", "to")]
    [InlineData("from=1969-12-31T00:00:00Z&to=1970-01-01T01:00:00Z", "from")]
    public async Task Stats_Return400NamingTheParameter_ForABadWindow(string query, string field)
    {
        using var op = await OperatorClientAsync();

        using var response = await op.GetAsync($"/api/v1/stats/fleets/default?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(new[] { field }, problem["errors"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public async Task Stats_AllowExactly1000Buckets()
    {
        using var op = await OperatorClientAsync();

        using var response = await op.GetAsync(
            $"/api/v1/stats/fleets/default?from={Iso(s_minute)}&to={Iso(s_minute.AddSeconds(10 * 1000))}&bucketSeconds=10");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1000, JsonNode.Parse(await response.Content.ReadAsStringAsync())!["series"]!.AsArray().Count);
    }

    /// <summary>HI's modelled latency and energy for offload rate <paramref name="f"/>; no offloads were measured, so Core's default server times apply.</summary>
    private static void AssertSavings(JsonNode figures, double f, DeviceProfile profile)
    {
        var expected = SavingsModel.Estimate(f, 784, 320, profile, 0, 0.002);
        Assert.Equal(expected.LatencyHiSeconds * 1000, Double(figures, "latencyHiMs")!.Value, Precision);
        Assert.Equal(expected.LatencyFullOffloadSeconds * 1000, Double(figures, "latencyFullOffloadMs")!.Value, Precision);
        Assert.Equal(expected.EnergySavedFraction, Double(figures, "energySavedFraction")!.Value, Precision);
        // The three ways to run, per sample: HI, full offload, and the tiny model alone (latency ms, energy mJ).
        Assert.Equal(profile.LocalInferenceSeconds * 1000, Double(figures, "latencyLocalOnlyMs")!.Value, Precision);
        Assert.Equal(expected.EnergyHiJoules * 1000, Double(figures, "energyHiMillijoules")!.Value, Precision);
        Assert.Equal(expected.EnergyFullOffloadJoules * 1000, Double(figures, "energyFullOffloadMillijoules")!.Value, Precision);
        Assert.Equal(profile.JoulesPerLocalInference * 1000, Double(figures, "energyLocalOnlyMillijoules")!.Value, Precision);
    }

    private Task<HiPortalClient> OperatorClientAsync() => server.App.CreateOperatorAsync(Samples.Unique("operator"));

    private async Task<JsonNode> GetStatsAsync(string path)
    {
        using var op = await OperatorClientAsync();
        using var response = await op.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private static string Iso(DateTimeOffset time) => Uri.EscapeDataString(time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ"));

    private static long Long(JsonNode node, string name) => (long)node[name]!;

    private static double? Double(JsonNode node, string name) => (double?)node[name];

    private static DateTimeOffset Time(JsonNode node, string name) =>
        DateTimeOffset.Parse((string)node[name]!, System.Globalization.CultureInfo.InvariantCulture);
}
