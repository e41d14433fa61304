using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace HiPortal.Server.Tests;

public sealed class IngestTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const float Tolerance = 1e-5f;

    [Fact]
    public async Task PostOffload_ReturnsTheLargeModelsAnswer_ForAJsonSample()
    {
        const int index = 3;
        using var response = await server.DeviceClient.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(index, "json-3"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Sent whole, with its length (not chunked), as JSON in UTF-8.
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Null(response.Headers.TransferEncodingChunked);
        Assert.Equal((await response.Content.ReadAsByteArrayAsync()).Length, response.Content.Headers.ContentLength);
        var answer = (await response.Content.ReadFromJsonAsync<OffloadResponse>())!;
        AssertMatchesLargeModel(index, answer);
        Assert.Equal("json-3", answer.SampleId);
        Assert.Equal("fashion-large", answer.Model);
        Assert.Equal(LargeModel.Version, answer.ModelVersion);
        Assert.False(answer.Replayed);
        Assert.InRange(answer.BatchSize, 1, 32);
    }

    [Fact]
    public async Task PostOffload_ReturnsTheSameAnswerAsJson_ForTheBinaryForm()
    {
        const int index = 7;
        using var json = await server.DeviceClient.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(index, "form-json-7"));
        using var request = Samples.Binary(index, "form-binary-7").ToRequest();
        using var binary = await server.DeviceClient.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        Assert.Equal(HttpStatusCode.OK, binary.StatusCode);
        var fromJson = (await json.Content.ReadFromJsonAsync<OffloadResponse>())!;
        var fromBinary = (await binary.Content.ReadFromJsonAsync<OffloadResponse>())!;
        AssertMatchesLargeModel(index, fromBinary);
        Assert.Equal(fromJson.PredictedClass, fromBinary.PredictedClass);
        AssertClose(fromJson.Probabilities, fromBinary.Probabilities);
        Assert.Equal("form-binary-7", fromBinary.SampleId);
    }

    [Fact]
    public async Task PostOffload_ReturnsTheSameAnswer_ForAnFp32Sample()
    {
        const int index = 8;
        var bytes = new byte[784 * sizeof(float)];
        var pixels = Samples.Test.Sample(index);
        for (var i = 0; i < 784; i++)
        {
            BitConverter.GetBytes(pixels[i] / 255f).CopyTo(bytes, i * sizeof(float));
        }

        var body = new
        {
            sampleId = "fp32-8",
            input = new { datatype = "FP32", shape = new[] { 1, 1, 28, 28 }, data = Convert.ToBase64String(bytes) },
            local = new { predictedClass = 0, confidence = 0.5 },
        };

        using var response = await server.DeviceClient.PostAsJsonAsync("/api/v1/offloads", body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertMatchesLargeModel(index, (await response.Content.ReadFromJsonAsync<OffloadResponse>())!);
        var row = await ReadRowAsync("fp32-8");
        Assert.NotNull(row);
        Assert.Equal(3136L, row["InputBytes"]);
        Assert.Null(row["Label"]);
        Assert.Null(row["LocalInferenceMicros"]);
    }

    [Fact]
    public async Task PostOffload_StoresTheBinaryFormWithoutLabel_AsNullLabel()
    {
        using var request = Samples.Binary(11, "binary-no-label", withLabel: false).ToRequest();
        using var response = await server.DeviceClient.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var row = await ReadRowAsync("binary-no-label");
        Assert.NotNull(row);
        Assert.Null(row["Label"]);
        Assert.Equal(784L, row["InputBytes"]);
    }

    [Fact]
    public async Task PostOffload_ReplaysTheStoredDecision_WhenASampleIdIsRetried()
    {
        const int index = 5;
        using var first = await server.DeviceClient.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(index, "retry-5"));
        using var retry = await server.DeviceClient.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(index, "retry-5"));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        var original = (await first.Content.ReadFromJsonAsync<OffloadResponse>())!;
        var replayed = (await retry.Content.ReadFromJsonAsync<OffloadResponse>())!;
        Assert.False(original.Replayed);
        Assert.True(replayed.Replayed);
        Assert.Equal(original.PredictedClass, replayed.PredictedClass);
        Assert.Equal(original.Probabilities, replayed.Probabilities);
        Assert.Equal(original.BatchSize, replayed.BatchSize);
        Assert.Equal(1L, await CountRowsAsync("retry-5"));
    }

    [Fact]
    public async Task PostOffload_StoresOneDecision_WhenTheSameSampleIsPostedConcurrently()
    {
        var posts = Enumerable.Range(0, 4)
            .Select(_ => server.DeviceClient.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(9, "concurrent-9")))
            .ToArray();
        var responses = await Task.WhenAll(posts);
        try
        {
            Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
            var answers = await Task.WhenAll(responses.Select(r => r.Content.ReadFromJsonAsync<OffloadResponse>()));
            Assert.Single(answers, a => !a!.Replayed);
            Assert.All(answers, a => Assert.Equal(answers[0]!.Probabilities, a!.Probabilities));
            Assert.Equal(1L, await CountRowsAsync("concurrent-9"));
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task PostOffload_Returns409NamingSampleId_WhenTheIdIsReusedForAnotherPayload()
    {
        using var first = await server.DeviceClient.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(1, "reused-id"));
        using var conflict = await server.DeviceClient.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(2, "reused-id"));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal("application/problem+json", conflict.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await conflict.Content.ReadAsStringAsync());
        Assert.Equal(409, problem.RootElement.GetProperty("status").GetInt32());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty("sampleId", out _));
        Assert.Equal(1L, await CountRowsAsync("reused-id"));
    }

    [Fact]
    public async Task PostOffload_AcceptsOnePayloadAndRejectsTheOther_WhenOneIdIsPostedConcurrentlyWithTwoPayloads()
    {
        var first = server.DeviceClient.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(20, "raced-id"));
        var second = server.DeviceClient.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(21, "raced-id"));
        using var a = await first;
        using var b = await second;

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], new[] { a.StatusCode, b.StatusCode }.Order());
        var winner = a.StatusCode == HttpStatusCode.OK ? 20 : 21;
        var stored = (await (a.StatusCode == HttpStatusCode.OK ? a : b).Content.ReadFromJsonAsync<OffloadResponse>())!;
        AssertMatchesLargeModel(winner, stored);
        Assert.Equal(1L, await CountRowsAsync("raced-id"));
    }

    [Fact]
    public async Task PostOffload_KeepsSampleIdsApartPerDevice()
    {
        using var otherClient = await server.App.CreateDeviceAsync("other-sensor");

        using var mine = await server.DeviceClient.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(30, "shared-id"));
        using var theirs = await otherClient.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(31, "shared-id"));

        Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        Assert.Equal(HttpStatusCode.OK, theirs.StatusCode);
        var theirAnswer = (await theirs.Content.ReadFromJsonAsync<OffloadResponse>())!;
        Assert.False(theirAnswer.Replayed);
        AssertMatchesLargeModel(31, theirAnswer);
        Assert.Equal(2L, await server.App.Database.CountAsync("SELECT COUNT(*) FROM \"Decisions\" WHERE \"SampleId\" = 'shared-id'"));
    }

    [Fact]
    public async Task PostOffload_StoresTheDecisionWithEveryField()
    {
        const int index = 12;
        var localClass = (Samples.Test.Label(index) + 1) % 10;
        using var response = await server.DeviceClient.PostAsJsonAsync("/api/v1/offloads",
            Samples.Offload(index, "stored-12", localClass, confidence: 0.375));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = (await response.Content.ReadFromJsonAsync<OffloadResponse>())!;

        var row = await ReadRowAsync("stored-12");

        Assert.NotNull(row);
        Assert.Equal(server.Device.DeviceId, row["DeviceId"]);
        Assert.Equal("lab", row["Fleet"]);
        Assert.Equal("stored-12", row["SampleId"]);
        Assert.Equal((long)localClass, row["LocalClass"]);
        Assert.Equal(0.375, (double)row["LocalConfidence"]!);
        Assert.Equal(900L, row["LocalInferenceMicros"]);
        Assert.Equal((long)LargeModel.PredictedClass(Samples.Test.Sample(index)), row["ServerClass"]);
        Assert.Equal((long)answer.PredictedClass, row["ServerClass"]);
        Assert.Equal(answer.PredictedClass == localClass ? 1L : 0L, row["Agrees"]);
        Assert.Equal(answer.AgreesWithLocal, (long)row["Agrees"]! == 1);
        Assert.Equal((long)Samples.Test.Label(index), row["Label"]);
        Assert.Equal(784L, row["InputBytes"]);
        Assert.True((long)row["BatchSize"]! >= 1);
        Assert.Equal((long)answer.BatchSize, row["BatchSize"]);
        Assert.True((long)row["QueueMicros"]! >= 0);
        Assert.True((long)row["InferenceMicros"]! > 0);
        Assert.Equal(answer.InferenceMicros, row["InferenceMicros"]);
        Assert.Equal(LargeModel.Version, row["ModelVersion"]);
        Assert.Equal(64, ((string)row["PayloadHash"]!).Length);
        Assert.Equal(40, ((byte[])row["Probabilities"]!).Length);
    }

    private static void AssertMatchesLargeModel(int index, OffloadResponse answer)
    {
        var expected = LargeModel.Probabilities(Samples.Test.Sample(index));
        Assert.Equal(LargeModel.ArgMax(expected), answer.PredictedClass);
        AssertClose(expected, answer.Probabilities);
        Assert.Equal(expected.Max(), answer.Confidence, Tolerance);
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], Tolerance);
        }
    }

    private async Task<long> CountRowsAsync(string sampleId) => await server.App.Database.CountAsync(
        "SELECT COUNT(*) FROM \"Decisions\" WHERE \"DeviceId\" = @device AND \"SampleId\" = @sample",
        ("@device", server.Device.DeviceId), ("@sample", sampleId));

    private async Task<Dictionary<string, object?>?> ReadRowAsync(string sampleId)
    {
        await using var connection = await server.App.Database.OpenAsync();
        await using var command = ServerDatabase.Command(connection, "SELECT * FROM \"Decisions\" WHERE \"DeviceId\" = @device AND \"SampleId\" = @sample",
            ("@device", server.Device.DeviceId), ("@sample", sampleId));
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null;
        }

        var row = new Dictionary<string, object?>();
        for (var i = 0; i < reader.FieldCount; i++)
        {
            // Integers and booleans as SQLite returns them (Int64), so one set of assertions holds on both providers.
            row[reader.GetName(i)] = reader.IsDBNull(i) ? null : reader.GetValue(i) switch
            {
                int n => (long)n,
                bool b => b ? 1L : 0L,
                var value => value,
            };
        }

        return row;
    }
}
