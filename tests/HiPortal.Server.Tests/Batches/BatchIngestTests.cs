using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace HiPortal.Server.Tests.Batches;

/// <summary>The batch fixture allows 8 items per request, so the limit is cheap to cross.</summary>
public sealed class BatchServerFixture : ServerFixture
{
    public const int MaxItems = 8;

    protected override HiPortalHostOptions Options => new()
    {
        Settings = new Dictionary<string, string?> { ["OffloadBatch:MaxItems"] = MaxItems.ToString(System.Globalization.CultureInfo.InvariantCulture) },
    };
}

public sealed class BatchIngestTests(BatchServerFixture server) : IClassFixture<BatchServerFixture>
{
    private const float Tolerance = 1e-5f;

    [Fact]
    public async Task PostBatch_AnswersEachItem_AndFailsOnlyTheBadOnes()
    {
        var items = new[]
        {
            Samples.Offload(0, "mixed-0"),
            Samples.Offload(1, "mixed-1", confidence: 1.5),
            Samples.Offload(2, "mixed-2"),
            Samples.Offload(3, "mixed-3") with { Input = null },
            Samples.Offload(4, "mixed-4"),
        };

        var answer = await server.DeviceClient.OffloadBatchAsync(items);

        Assert.Equal(5, answer.Items.Count);
        Assert.Equal(3, answer.Succeeded);
        Assert.Equal(2, answer.Failed);
        Assert.Equal([0, 1, 2, 3, 4], answer.Items.Select(i => i.Index));
        foreach (var good in new[] { 0, 2, 4 })
        {
            var item = answer.Items[good];
            Assert.Equal(200, item.Status);
            Assert.Null(item.Error);
            Assert.Equal($"mixed-{good}", item.SampleId);
            AssertMatchesLargeModel(good, item.Result!);
        }

        AssertItemProblem(answer.Items[1], 400, "local.confidence");
        Assert.Equal("mixed-1", answer.Items[1].SampleId);
        Assert.StartsWith("items[1].local.confidence:", answer.Items[1].Error!.Detail);
        AssertItemProblem(answer.Items[3], 400, "input");
        Assert.Equal(3L, await CountRowsAsync("mixed-%"));
    }

    [Fact]
    public async Task PostBatch_NamesTheFieldAndIndex_OfAnItemOfTheWrongJsonType()
    {
        var good = System.Text.Json.JsonSerializer.Serialize(Samples.Offload(5, "typed-0"), ContractsJson.Default.OffloadRequest);
        using var response = await server.DeviceClient.PostAsync(Routes.OffloadsBatch,
            ResponseAssertions.RawJson("{\"items\": [" + good + ", {\"sampleId\": \"typed-1\", \"local\": {\"predictedClass\": \"seven\"}}]}"));

        var body = await response.JsonAsync(HttpStatusCode.OK);
        var items = body.GetProperty("items");
        Assert.Equal(200, items[0].GetProperty("status").GetInt32());
        Assert.Equal(400, items[1].GetProperty("status").GetInt32());
        Assert.Equal(1, items[1].GetProperty("index").GetInt32());
        Assert.Equal("local.predictedClass", items[1].GetProperty("error").GetProperty("field").GetString());
        Assert.True(items[1].GetProperty("error").GetProperty("errors").TryGetProperty("local.predictedClass", out _));
    }

    [Fact]
    public async Task PostBatch_BinaryFormGivesTheJsonAnswers_AndNamesABadFramesHeader()
    {
        var json = await server.DeviceClient.OffloadBatchAsync([Samples.Offload(6, "bj-6"), Samples.Offload(7, "bj-7")]);
        var binary = await server.DeviceClient.OffloadBatchBinaryAsync(
            [Samples.Binary(6, "bb-6"), Samples.Binary(7, "bb-7"), Samples.Binary(8, "bb-8", localClass: 12)]);

        Assert.Equal(2, binary.Succeeded);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(json.Items[i].Result!.PredictedClass, binary.Items[i].Result!.PredictedClass);
            AssertMatchesLargeModel(6 + i, binary.Items[i].Result!);
        }

        AssertItemProblem(binary.Items[2], 400, WireHeaders.LocalClass);
        Assert.Equal("bb-8", binary.Items[2].SampleId);
    }

    [Fact]
    public async Task PostBatch_ReplaysStoredItems_AndRefusesAReusedSampleIdForAnotherPayload()
    {
        var first = await server.DeviceClient.OffloadBatchAsync([Samples.Offload(9, "replay-9"), Samples.Offload(10, "replay-10")]);
        var again = await server.DeviceClient.OffloadBatchAsync(
            [Samples.Offload(9, "replay-9"), Samples.Offload(11, "replay-10"), Samples.Offload(12, "replay-12")]);

        Assert.All(first.Items, i => Assert.False(i.Result!.Replayed));
        Assert.True(again.Items[0].Result!.Replayed);
        Assert.Equal(first.Items[0].Result!.Probabilities, again.Items[0].Result!.Probabilities);
        AssertItemProblem(again.Items[1], 409, "sampleId");
        Assert.False(again.Items[2].Result!.Replayed);
        Assert.Equal(1L, await CountRowsAsync("replay-9"));
        Assert.Equal(1L, await CountRowsAsync("replay-10"));
    }

    [Fact]
    public async Task PostBatch_StoresOneDecision_ForASampleIdRepeatedInOneBatch()
    {
        var answer = await server.DeviceClient.OffloadBatchAsync([Samples.Offload(13, "twice-13"), Samples.Offload(13, "twice-13")]);

        Assert.Equal(2, answer.Succeeded);
        Assert.Single(answer.Items, i => !i.Result!.Replayed);
        Assert.Equal(answer.Items[0].Result!.Probabilities, answer.Items[1].Result!.Probabilities);
        Assert.Equal(1L, await CountRowsAsync("twice-13"));
    }

    [Theory]
    [InlineData("{\"items\": [", "body")]
    [InlineData("[]", "body")]
    [InlineData("{\"offloads\": []}", "items")]
    [InlineData("{\"items\": {}}", "items")]
    [InlineData("{\"items\": []}", "items")]
    public async Task PostBatch_Returns400NamingTheField_ForAMalformedEnvelope(string body, string field)
    {
        using var response = await server.DeviceClient.PostAsync(Routes.OffloadsBatch, ResponseAssertions.RawJson(body));

        await ResponseAssertions.AssertProblemAsync(response, HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task PostBatch_Returns400NamingTheBody_ForATruncatedBinaryFrame()
    {
        using var request = HiPortalClient.BatchRequest([Samples.Binary(0, "cut-0"), Samples.Binary(1, "cut-1")]);
        var bytes = await request.Content!.ReadAsByteArrayAsync();
        var content = new ByteArrayContent(bytes, 0, bytes.Length - 10);
        content.Headers.ContentType = new(WireHeaders.BinaryContentType);

        using var response = await server.DeviceClient.PostAsync(Routes.OffloadsBatch, content);

        var problem = await ResponseAssertions.AssertProblemAsync(response, HttpStatusCode.BadRequest, "body");
        Assert.Contains("frame 1", problem.Detail);
        Assert.Equal(0L, await CountRowsAsync("cut-%"));
    }

    [Fact]
    public async Task PostBatch_Returns413NamingItems_OverTheConfiguredMaximum()
    {
        var items = Enumerable.Range(0, BatchServerFixture.MaxItems + 1).Select(i => Samples.Offload(i, $"many-{i}"));

        var failure = await Assert.ThrowsAsync<HiPortalApiException>(() => server.DeviceClient.OffloadBatchAsync(items));

        ResponseAssertions.AssertProblem(failure, HttpStatusCode.RequestEntityTooLarge, "items");
        Assert.Equal(0L, await CountRowsAsync("many-%"));
    }

    [Fact]
    public async Task PostBatch_Returns401_WithoutADeviceKey()
    {
        using var response = await server.Anonymous.PostAsJsonAsync(Routes.OffloadsBatch,
            new OffloadBatchRequest { Items = [Samples.Offload(0, "anonymous-0")] });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task PostBatch_Returns415_ForAnotherContentType()
    {
        using var response = await server.DeviceClient.PostAsync(Routes.OffloadsBatch, new StringContent("items", Encoding.UTF8, "text/plain"));

        await ResponseAssertions.AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "Content-Type");
    }

    private static void AssertItemProblem(OffloadBatchItem item, int status, string field)
    {
        Assert.Equal(status, item.Status);
        Assert.Null(item.Result);
        Assert.NotNull(item.Error);
        Assert.Equal(status, item.Error.Status);
        Assert.Equal(field, item.Error.Field);
        Assert.True(item.Error.Errors?.ContainsKey(field) == true, $"errors should name '{field}': {item.Error.Detail}");
    }

    private static void AssertMatchesLargeModel(int index, OffloadResponse answer)
    {
        var expected = LargeModel.Probabilities(Samples.Test.Sample(index));
        Assert.Equal(LargeModel.ArgMax(expected), answer.PredictedClass);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], answer.Probabilities[i], Tolerance);
        }
    }

    private async Task<long> CountRowsAsync(string sampleIdLike) => await server.App.Database.CountAsync(
        "SELECT COUNT(*) FROM \"Decisions\" WHERE \"DeviceId\" = @device AND \"SampleId\" LIKE @sample",
        ("@device", server.Device.DeviceId), ("@sample", sampleIdLike));
}
