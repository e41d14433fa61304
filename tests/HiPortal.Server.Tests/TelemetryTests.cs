using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HiPortal.Server.Tests;

public sealed class TelemetryTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    // Noon yesterday (UTC), not a calendar date: the server accepts telemetry only from the last two years.
    private static readonly DateTimeOffset s_start = Yesterday(12);

    [Fact]
    public async Task PostTelemetry_StoresEachReport_AndAnswersWithCountersAndConfigVersion()
    {
        var (device, client) = await NewDeviceAsync("tel-store");

        var answer = await PostOkAsync(client, Report(1), Report(2, samples: 40, decidedLocally: 30, offloaded: 10, energyJoules: 0.5));

        Assert.Equal(new TelemetryResponse(2, 0, 0, 2, answer.ConfigVersion), answer);
        Assert.True(answer.ConfigVersion >= 1);
        await using var connection = await server.App.Database.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT "Fleet", "PeriodStartMs", "PeriodEndMs", "Samples", "DecidedLocally", "Offloaded", "LocalInferenceMicros", "BytesSent",
                "OffloadRttMicrosSum", "OffloadRttCount", "EnergyJoules", "Dropped"
            FROM "Telemetry" WHERE "DeviceId" = @id AND "Sequence" = 2
            """;
        command.Parameters.Add(Parameter(command, "@id", device.DeviceId));
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("default", reader.GetString(0));
        Assert.Equal(s_start.AddSeconds(10).ToUnixTimeMilliseconds(), reader.GetInt64(1));
        Assert.Equal(s_start.AddSeconds(20).ToUnixTimeMilliseconds(), reader.GetInt64(2));
        Assert.Equal(new long[] { 40, 30, 10, 95_000, 7840, 230_000, 10 }, Enumerable.Range(3, 7).Select(reader.GetInt64));
        Assert.Equal(0.5, reader.GetDouble(10));
        Assert.Equal(0, reader.GetInt64(11));
    }

    [Fact]
    public async Task PostTelemetry_ReplayedSequence_ChangesNothingAndIsCountedAsDuplicate()
    {
        var (device, client) = await NewDeviceAsync("tel-replay");
        await PostOkAsync(client, Report(1, samples: 100));
        var before = await DeviceCountersAsync(device.DeviceId);

        var answer = await PostOkAsync(client, Report(1, samples: 999, decidedLocally: 0, offloaded: 999));

        Assert.Equal(0, answer.Accepted);
        Assert.Equal(1, answer.Duplicates);
        Assert.Equal(0, answer.Gaps);
        Assert.Equal(1, answer.LastSequence);
        Assert.Equal(1, await TelemetryRowsAsync(device.DeviceId));
        Assert.Equal(100, await server.App.Database.CountAsync(
            "SELECT \"Samples\" FROM \"Telemetry\" WHERE \"DeviceId\" = @id", ("@id", device.DeviceId)));
        var after = await DeviceCountersAsync(device.DeviceId);
        Assert.Equal(before with { Duplicates = before.Duplicates + 1 }, after);
    }

    [Fact]
    public async Task PostTelemetry_CountsMissingSequencesAsGaps_AndALateReportFillsItsGap()
    {
        var (device, client) = await NewDeviceAsync("tel-gaps");

        var first = await PostOkAsync(client, Report(1), Report(2), Report(5));
        var late = await PostOkAsync(client, Report(3));

        Assert.Equal((3, 2L, 5L), (first.Accepted, first.Gaps, first.LastSequence));
        Assert.Equal((1, 1L, 5L), (late.Accepted, late.Gaps, late.LastSequence));
        Assert.Equal(new Counters(5, 1, 0), await DeviceCountersAsync(device.DeviceId));
        Assert.Equal(4, await TelemetryRowsAsync(device.DeviceId));
    }

    [Fact]
    public async Task PostTelemetry_CountsARepeatWithinOnePost_AsADuplicate()
    {
        var (device, client) = await NewDeviceAsync("tel-repeat");

        var answer = await PostOkAsync(client, Report(1), Report(1), Report(2));

        Assert.Equal((2, 1, 0L, 2L), (answer.Accepted, answer.Duplicates, answer.Gaps, answer.LastSequence));
        Assert.Equal(new Counters(2, 0, 1), await DeviceCountersAsync(device.DeviceId));
    }

    [Theory]
    [InlineData("sequence", "0", "reports[0].sequence")]
    [InlineData("sequence", "null", "reports[0].sequence")]
    [InlineData("sequence", "\"twelve\"", "reports[0].sequence")]
    [InlineData("sequence", "1.5", "reports[0].sequence")]
    [InlineData("periodStart", "\"yesterday\"", "reports[0].periodStart")]
    [InlineData("periodEnd", BeforeStart, "reports[0].periodEnd")]
    [InlineData("samples", "-1", "reports[0].samples")]
    [InlineData("samples", "null", "reports[0].samples")]
    [InlineData("decidedLocally", "95", "reports[0].samples")]
    [InlineData("offloaded", "-5", "reports[0].offloaded")]
    [InlineData("bytesSent", "-1", "reports[0].bytesSent")]
    [InlineData("offloadRttCount", "-1", "reports[0].offloadRttCount")]
    [InlineData("dropped", "-1", "reports[0].dropped")]
    [InlineData("energyJoules", "-0.1", "reports[0].energyJoules")]
    [InlineData("energyJoules", "1e400", "reports[0].energyJoules")]
    public async Task PostTelemetry_Returns400NamingTheField_ForAnInvalidReport(string field, string json, string expectedField)
    {
        var (device, client) = await NewDeviceAsync($"tel-invalid-{field}");
        var report = Report(1);
        report[field] = json == BeforeStart ? s_start.AddSeconds(-1).ToString("O") : JsonNode.Parse(json);

        await AssertInvalidAsync(client, Body(report), expectedField);
        Assert.Equal(0, await TelemetryRowsAsync(device.DeviceId));
    }

    [Fact]
    public async Task PostTelemetry_RejectsTheWholePost_WhenALaterReportIsInvalid()
    {
        var (device, client) = await NewDeviceAsync("tel-invalid-later");

        await AssertInvalidAsync(client, Body(Report(1), Report(0)), "reports[1].sequence");

        Assert.Equal(0, await TelemetryRowsAsync(device.DeviceId));
        Assert.Equal(new Counters(null, 0, 0), await DeviceCountersAsync(device.DeviceId));
    }

    [Theory]
    [InlineData("""{"reports":[]}""", "reports")]
    [InlineData("""{}""", "reports")]
    [InlineData("""{"reports":[null]}""", "reports[0]")]
    [InlineData("""not json""", "body")]
    [InlineData("", "body")]
    public async Task PostTelemetry_Returns400NamingTheField_ForABadBody(string body, string expectedField)
    {
        var (_, client) = await NewDeviceAsync("tel-bad-body");

        await AssertInvalidAsync(client, body, expectedField);
    }

    [Fact]
    public async Task PostTelemetry_Returns400_ForMoreThan100Reports()
    {
        var (_, client) = await NewDeviceAsync("tel-too-many");

        await AssertInvalidAsync(client, Body([.. Enumerable.Range(1, 101).Select(i => Report(i))]), "reports");
    }

    [Fact]
    public async Task PostTelemetry_Returns413_ForABodyOver64KiB()
    {
        var (_, client) = await NewDeviceAsync("tel-too-large");
        var padded = Body(Report(1)).Replace("{\"reports\"", "{\"padding\":\"" + new string('x', 64 * 1024) + "\",\"reports\"",
            StringComparison.Ordinal);

        using var response = await PostAsync(client, padded);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task PostTelemetry_Returns401_WithoutAuthorization_And403_ForAnAdmin()
    {
        using var admin = await server.App.CreateAdminAsync();

        using var anonymous = await PostAsync(server.Anonymous, Body(Report(1)));
        using var forbidden = await PostAsync(admin, Body(Report(1)));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
    }

    /// <summary>A period end one second before <see cref="Report"/>'s first period starts (not a constant: dates are relative).</summary>
    private const string BeforeStart = "one second before periodStart";

    /// <summary>A whole hour of yesterday (UTC): recent enough for the server's telemetry bounds, fixed within a run.</summary>
    internal static DateTimeOffset Yesterday(int hour)
    {
        var day = DateTimeOffset.UtcNow.AddDays(-1);
        return new DateTimeOffset(day.Year, day.Month, day.Day, hour, 0, 0, TimeSpan.Zero);
    }

    internal static JsonObject Report(long sequence, long samples = 100, long decidedLocally = 90, long offloaded = 10,
        double energyJoules = 0.21, DateTimeOffset? periodEnd = null, long bytesSent = 7840, long rttMicrosSum = 230_000,
        long rttCount = 10)
    {
        var end = periodEnd ?? s_start.AddSeconds(10 * sequence);
        return new JsonObject
        {
            ["sequence"] = sequence,
            ["periodStart"] = end.AddSeconds(-10).ToString("O"),
            ["periodEnd"] = end.ToString("O"),
            ["samples"] = samples,
            ["decidedLocally"] = decidedLocally,
            ["offloaded"] = offloaded,
            ["localInferenceMicros"] = 95_000,
            ["bytesSent"] = bytesSent,
            ["offloadRttMicrosSum"] = rttMicrosSum,
            ["offloadRttCount"] = rttCount,
            ["energyJoules"] = energyJoules,
            ["dropped"] = 0,
        };
    }

    internal static string Body(params JsonObject[] reports) =>
        new JsonObject { ["reports"] = new JsonArray([.. reports]) }.ToJsonString();

    internal static async Task<TelemetryResponse> PostOkAsync(HttpClient client, params JsonObject[] reports)
    {
        using var response = await PostAsync(client, Body(reports));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<TelemetryResponse>())!;
    }

    internal static Task<HttpResponseMessage> PostAsync(HttpClient client, string body) =>
        client.PostAsync("/api/v1/telemetry", new StringContent(body, Encoding.UTF8, "application/json"));

    private static async Task AssertInvalidAsync(HttpClient client, string body, string expectedField)
    {
        using var response = await PostAsync(client, body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var fields = problem.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(new[] { expectedField }, fields);
    }

    private async Task<(CreatedDevice Device, HttpClient Client)> NewDeviceAsync(string name)
    {
        var device = await server.App.RegisterDeviceAsync(name, "default");
        return (device, server.App.CreateDeviceClient(device));
    }

    private Task<long> TelemetryRowsAsync(string deviceId) =>
        server.App.Database.CountAsync("SELECT COUNT(*) FROM \"Telemetry\" WHERE \"DeviceId\" = @id", ("@id", deviceId));

    private async Task<Counters> DeviceCountersAsync(string deviceId)
    {
        await using var connection = await server.App.Database.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT \"LastTelemetrySequence\", \"TelemetryGaps\", \"TelemetryDuplicates\" FROM \"Devices\" WHERE \"Id\" = @id";
        command.Parameters.Add(Parameter(command, "@id", deviceId));
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return new Counters(reader.IsDBNull(0) ? null : reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    private static System.Data.Common.DbParameter Parameter(System.Data.Common.DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        return parameter;
    }

    private sealed record Counters(long? LastSequence, long Gaps, long Duplicates);
}
