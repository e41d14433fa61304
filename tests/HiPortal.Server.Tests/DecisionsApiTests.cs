using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace HiPortal.Server.Tests;

/// <summary>
/// <c>GET /api/v1/decisions</c>: stored decisions for a token holder, paged in id order from <c>after</c>, filtered,
/// with the large model's probabilities on request, and as CSV.
/// </summary>
public sealed class DecisionsApiTests(HostFixture server) : IClassFixture<HostFixture>
{
    [Fact]
    public async Task Pages_FollowNext_ThroughEveryDecisionOnce_InIdOrder_AsTheDeviceWasAnswered()
    {
        var fleet = Samples.Unique("decisions");
        using var device = await server.App.CreateDeviceAsync("pager", fleet);
        var answers = new List<OffloadResponse>();
        for (var i = 0; i < 5; i++)
        {
            answers.Add(await device.OffloadAsync(i, $"page-{i}"));
        }

        using var reader = await server.App.CreateOperatorAsync(Samples.Unique("reader"));
        var seen = new List<JsonElement>();
        var query = $"fleet={fleet}&limit=2";
        var pages = 0;
        while (true)
        {
            var page = await reader.DecisionsAsync(query);
            pages++;
            seen.AddRange(page.GetProperty("items").EnumerateArray());
            if (page.GetProperty("next").ValueKind == JsonValueKind.Null)
            {
                Assert.Equal(JsonValueKind.Null, page.GetProperty("nextAfter").ValueKind);
                break;
            }

            var next = page.GetProperty("next").GetString()!;
            Assert.StartsWith(Routes.Decisions + "?", next, StringComparison.Ordinal);
            Assert.Contains($"after={page.GetProperty("nextAfter").GetInt64()}", next, StringComparison.Ordinal);
            query = next[(next.IndexOf('?', StringComparison.Ordinal) + 1)..];
        }

        Assert.Equal(3, pages);
        Assert.Equal(answers.Select(a => a.SampleId), seen.Select(d => d.GetProperty("sampleId").GetString()));
        var ids = seen.Select(d => d.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(ids.Order(), ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        for (var i = 0; i < answers.Count; i++)
        {
            var d = seen[i];
            Assert.Equal(device.Device.DeviceId, d.GetProperty("deviceId").GetString());
            Assert.Equal(fleet, d.GetProperty("fleet").GetString());
            Assert.Equal(answers[i].PredictedClass, d.GetProperty("serverClass").GetInt32());
            Assert.Equal(answers[i].Confidence, d.GetProperty("serverConfidence").GetDouble(), 6);
            Assert.Equal(answers[i].Model, d.GetProperty("model").GetString());
            Assert.Equal(answers[i].ModelVersion, d.GetProperty("modelVersion").GetString());
            Assert.Equal(answers[i].AgreesWithLocal, d.GetProperty("agrees").GetBoolean());
            Assert.Equal(Samples.Test.Label(i), d.GetProperty("label").GetInt32());
            Assert.Equal(Samples.Test.Label(i), d.GetProperty("localClass").GetInt32());
            // Names from the answering model's card, not the bare index.
            Assert.False(int.TryParse(d.GetProperty("serverClassName").GetString(), out _), d.GetRawText());
            Assert.Equal(JsonValueKind.Null, d.GetProperty("probabilities").ValueKind);
        }
    }

    [Fact]
    public async Task Filters_AndProbabilities_SelectExactlyTheMatchingRows()
    {
        var fleet = Samples.Unique("decisions-filter");
        using var a = await server.App.CreateDeviceAsync("filter-a", fleet);
        using var b = await server.App.CreateDeviceAsync("filter-b", fleet);
        var right = await a.OffloadAsync(0, "right");
        // A local answer that differs from the large model's: the one row with agrees=false.
        var wrong = await a.OffloadAsync(1, "wrong", localClass: (Samples.Test.Label(1) + 1) % 10);
        await a.OffloadBinaryAsync(Samples.Binary(2, "unlabelled", withLabel: false));
        await b.OffloadAsync(3, "other-device");
        using var reader = await server.App.CreateOperatorAsync(Samples.Unique("reader"));

        Assert.Equal(["right", "wrong", "unlabelled"], SampleIds(await reader.DecisionsAsync($"deviceId={a.Device.DeviceId}")));
        Assert.Equal(["right", "wrong", "other-device"], SampleIds(await reader.DecisionsAsync($"fleet={fleet}&labelled=true")));
        Assert.Equal(["unlabelled"], SampleIds(await reader.DecisionsAsync($"fleet={fleet}&labelled=false")));
        var disagreeing = new[] { right, wrong }.Where(x => !x.AgreesWithLocal).Select(x => x.SampleId).ToList();
        Assert.Contains("wrong", disagreeing);
        Assert.Equal(disagreeing, SampleIds(await reader.DecisionsAsync($"agrees=false&labelled=true&deviceId={a.Device.DeviceId}")));
        var future = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O"));
        Assert.Empty(SampleIds(await reader.DecisionsAsync($"fleet={fleet}&from={future}")));

        var first = (await reader.DecisionsAsync($"fleet={fleet}&limit=1&probabilities=true")).GetProperty("items")[0];
        Assert.Equal("right", first.GetProperty("sampleId").GetString());
        Assert.Equal(right.Probabilities, first.GetProperty("probabilities").EnumerateArray().Select(p => p.GetSingle()).ToArray());
        var afterFirst = await reader.DecisionsAsync($"fleet={fleet}&after={first.GetProperty("id").GetInt64()}");
        Assert.Equal(["wrong", "unlabelled", "other-device"], SampleIds(afterFirst));
    }

    [Fact]
    public async Task Csv_ByFormatOrAccept_HasOneLinePerMatch_AndHonoursAfterAndLimit()
    {
        var fleet = Samples.Unique("decisions-csv");
        using var device = await server.App.CreateDeviceAsync("csv", fleet);
        for (var i = 0; i < 3; i++)
        {
            await device.OffloadAsync(i, $"csv-{i}");
        }

        using var reader = await server.App.CreateOperatorAsync(Samples.Unique("reader"));
        var byFormat = await CsvAsync(reader, $"{Routes.Decisions}?fleet={fleet}&format=csv", accept: null);
        Assert.StartsWith("id,receivedAt,deviceId,fleet,sampleId,", byFormat[0], StringComparison.Ordinal);
        Assert.Equal(["\"csv-0\"", "\"csv-1\"", "\"csv-2\""], byFormat.Skip(1).Select(l => l.Split(',')[4]));

        var byAccept = await CsvAsync(reader, $"{Routes.Decisions}?fleet={fleet}", accept: "text/csv");
        Assert.Equal(byFormat, byAccept);

        var firstId = byFormat[1].Split(',')[0];
        var tail = await CsvAsync(reader, $"{Routes.Decisions}?fleet={fleet}&format=csv&after={firstId}&limit=1", accept: null);
        Assert.Equal(["\"csv-1\""], tail.Skip(1).Select(l => l.Split(',')[4]));
    }

    [Theory]
    [InlineData("limit=0", HttpStatusCode.BadRequest, "limit")]
    [InlineData("limit=1001", HttpStatusCode.BadRequest, "limit")]
    [InlineData("limit=many", HttpStatusCode.BadRequest, "limit")]
    [InlineData("after=-1", HttpStatusCode.BadRequest, "after")]
    [InlineData("after=x", HttpStatusCode.BadRequest, "after")]
    [InlineData("agrees=maybe", HttpStatusCode.BadRequest, "agrees")]
    [InlineData("from=yesterday", HttpStatusCode.BadRequest, "from")]
    [InlineData("from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z", HttpStatusCode.BadRequest, "to")]
    [InlineData("format=xml", HttpStatusCode.BadRequest, "format")]
    [InlineData("fleet=no-such-fleet", HttpStatusCode.NotFound, "fleet")]
    [InlineData("deviceId=no-such-device", HttpStatusCode.NotFound, "deviceId")]
    public async Task BadQuery_IsAProblemNamingTheField(string query, HttpStatusCode status, string field)
    {
        using var reader = await server.App.CreateOperatorAsync(Samples.Unique("reader"));
        using var response = await reader.GetAsync($"{Routes.Decisions}?{query}");
        await ResponseAssertions.AssertProblemAsync(response, status, field);
    }

    private static List<string> SampleIds(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("sampleId").GetString()!).ToList();

    private static async Task<List<string>> CsvAsync(HttpClient client, string path, string? accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accept is not null)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
    }
}
