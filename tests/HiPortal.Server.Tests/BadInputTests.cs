using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HiPortal.Server.Tests;

/// <summary>Every malformed offload gets a 4xx problem naming the field at fault; none is a server error.</summary>
public sealed class BadInputTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const int Image = 4;

    /// <summary>Case name → (JSON body text, field the problem must name, status).</summary>
    private static readonly Dictionary<string, (Func<string> Body, string Field, HttpStatusCode Status)> s_jsonCases = new()
    {
        ["malformed JSON"] = (() => "{not json", "body", HttpStatusCode.BadRequest),
        // Cut inside the sampleId string: the JSON reader's path names where the body broke off.
        ["truncated JSON"] = (() => Valid().ToJsonString()[..40], "sampleId", HttpStatusCode.BadRequest),
        ["empty body"] = (() => "", "body", HttpStatusCode.BadRequest),
        ["JSON null"] = (() => "null", "body", HttpStatusCode.BadRequest),
        ["JSON array"] = (() => "[1,2,3]", "body", HttpStatusCode.BadRequest),
        ["missing input"] = (() => Without(Valid(), o => o.Remove("input")), "input", HttpStatusCode.BadRequest),
        ["shape [1,28,27]"] = (() => With(Valid(), o => o["input"]!["shape"] = new JsonArray(1, 28, 27)), "input.shape", HttpStatusCode.BadRequest),
        ["missing shape"] = (() => With(Valid(), o => o["input"]!.AsObject().Remove("shape")), "input.shape", HttpStatusCode.BadRequest),
        ["shape not an array"] = (() => With(Valid(), o => o["input"]!["shape"] = "28x28"), "input.shape", HttpStatusCode.BadRequest),
        ["missing data"] = (() => With(Valid(), o => o["input"]!.AsObject().Remove("data")), "input.data", HttpStatusCode.BadRequest),
        ["783 bytes"] = (() => WithData(Valid(), "UINT8", new byte[783]), "input.data", HttpStatusCode.BadRequest),
        ["785 bytes"] = (() => WithData(Valid(), "UINT8", new byte[785]), "input.data", HttpStatusCode.BadRequest),
        ["FP32 with a NaN"] = (() => WithData(Valid(), "FP32", Float32Bytes(0.5f, nanAt: 100)), "input.data", HttpStatusCode.BadRequest),
        ["FP32 value 1.5"] = (() => WithData(Valid(), "FP32", Float32Bytes(1.5f)), "input.data", HttpStatusCode.BadRequest),
        ["FP32 negative value"] = (() => WithData(Valid(), "FP32", Float32Bytes(-0.25f)), "input.data", HttpStatusCode.BadRequest),
        ["FP32 with 784 bytes"] = (() => WithData(Valid(), "FP32", new byte[784]), "input.data", HttpStatusCode.BadRequest),
        ["bad base64"] = (() => With(Valid(), o => o["input"]!["data"] = "!!not*base64!!"), "input.data", HttpStatusCode.BadRequest),
        ["base64 too long"] = (() => WithData(Valid(), "UINT8", new byte[6000]), "input.data", HttpStatusCode.BadRequest),
        ["unknown datatype"] = (() => With(Valid(), o => o["input"]!["datatype"] = "INT64"), "input.datatype", HttpStatusCode.BadRequest),
        ["missing datatype"] = (() => With(Valid(), o => o["input"]!.AsObject().Remove("datatype")), "input.datatype", HttpStatusCode.BadRequest),
        ["missing local"] = (() => Without(Valid(), o => o.Remove("local")), "local.predictedClass", HttpStatusCode.BadRequest),
        ["predictedClass 10"] = (() => With(Valid(), o => o["local"]!["predictedClass"] = 10), "local.predictedClass", HttpStatusCode.BadRequest),
        ["predictedClass -1"] = (() => With(Valid(), o => o["local"]!["predictedClass"] = -1), "local.predictedClass", HttpStatusCode.BadRequest),
        ["predictedClass a string"] = (() => With(Valid(), o => o["local"]!["predictedClass"] = "three"), "local.predictedClass", HttpStatusCode.BadRequest),
        ["confidence 1.5"] = (() => With(Valid(), o => o["local"]!["confidence"] = 1.5), "local.confidence", HttpStatusCode.BadRequest),
        ["confidence -0.1"] = (() => With(Valid(), o => o["local"]!["confidence"] = -0.1), "local.confidence", HttpStatusCode.BadRequest),
        ["missing confidence"] = (() => With(Valid(), o => o["local"]!.AsObject().Remove("confidence")), "local.confidence", HttpStatusCode.BadRequest),
        ["negative inferenceMicros"] = (() => With(Valid(), o => o["local"]!["inferenceMicros"] = -1), "local.inferenceMicros", HttpStatusCode.BadRequest),
        ["empty sampleId"] = (() => With(Valid(), o => o["sampleId"] = ""), "sampleId", HttpStatusCode.BadRequest),
        ["missing sampleId"] = (() => Without(Valid(), o => o.Remove("sampleId")), "sampleId", HttpStatusCode.BadRequest),
        ["sampleId with a space"] = (() => With(Valid(), o => o["sampleId"] = "a b"), "sampleId", HttpStatusCode.BadRequest),
        ["sampleId of 129 characters"] = (() => With(Valid(), o => o["sampleId"] = new string('s', 129)), "sampleId", HttpStatusCode.BadRequest),
        ["label 10"] = (() => With(Valid(), o => o["label"] = 10), "label", HttpStatusCode.BadRequest),
        ["capturedAt not a date"] = (() => With(Valid(), o => o["capturedAt"] = "yesterday"), "capturedAt", HttpStatusCode.BadRequest),
        ["body over 64 KiB"] = (() => With(Valid(), o => o["padding"] = new string('x', 70_000)), "body", HttpStatusCode.RequestEntityTooLarge),
    };

    /// <summary>Case name → (binary request, field the problem must name, status).</summary>
    private static readonly Dictionary<string, (Func<HttpRequestMessage> Request, string Field, HttpStatusCode Status)> s_binaryCases = new()
    {
        ["783 bytes"] = (() => Binary(body: new byte[783]), "body", HttpStatusCode.BadRequest),
        ["FP32 with a NaN"] = (() => Binary(body: Float32Bytes(0.5f, nanAt: 7), datatype: "FP32"), "body", HttpStatusCode.BadRequest),
        ["unknown datatype"] = (() => Binary(datatype: "INT8"), "X-HiPortal-Datatype", HttpStatusCode.BadRequest),
        ["missing sample id"] = (() => Binary(remove: "X-HiPortal-Sample-Id"), "X-HiPortal-Sample-Id", HttpStatusCode.BadRequest),
        ["missing local class"] = (() => Binary(remove: "X-HiPortal-Local-Class"), "X-HiPortal-Local-Class", HttpStatusCode.BadRequest),
        ["local class not a number"] = (() => Binary(set: ("X-HiPortal-Local-Class", "ten")), "X-HiPortal-Local-Class", HttpStatusCode.BadRequest),
        ["local class 10"] = (() => Binary(set: ("X-HiPortal-Local-Class", "10")), "X-HiPortal-Local-Class", HttpStatusCode.BadRequest),
        ["missing confidence"] = (() => Binary(remove: "X-HiPortal-Local-Confidence"), "X-HiPortal-Local-Confidence", HttpStatusCode.BadRequest),
        ["confidence 1.5"] = (() => Binary(set: ("X-HiPortal-Local-Confidence", "1.5")), "X-HiPortal-Local-Confidence", HttpStatusCode.BadRequest),
        ["confidence NaN"] = (() => Binary(set: ("X-HiPortal-Local-Confidence", "NaN")), "X-HiPortal-Local-Confidence", HttpStatusCode.BadRequest),
        ["negative local micros"] = (() => Binary(set: ("X-HiPortal-Local-Micros", "-5")), "X-HiPortal-Local-Micros", HttpStatusCode.BadRequest),
        ["label 10"] = (() => Binary(set: ("X-HiPortal-Label", "10")), "X-HiPortal-Label", HttpStatusCode.BadRequest),
        ["captured-at not a date"] = (() => Binary(set: ("X-HiPortal-Captured-At", "whenever")), "X-HiPortal-Captured-At", HttpStatusCode.BadRequest),
        ["deadline not a number"] = (() => Binary(set: ("X-HiPortal-Deadline-Ms", "soon")), "X-HiPortal-Deadline-Ms", HttpStatusCode.BadRequest),
        ["deadline zero"] = (() => Binary(set: ("X-HiPortal-Deadline-Ms", "0")), "X-HiPortal-Deadline-Ms", HttpStatusCode.BadRequest),
        ["body over 64 KiB"] = (() => Binary(body: new byte[70_000]), "body", HttpStatusCode.RequestEntityTooLarge),
    };

    public static TheoryData<string> JsonCases => new(s_jsonCases.Keys);

    public static TheoryData<string> BinaryCases => new(s_binaryCases.Keys);

    [Theory]
    [MemberData(nameof(JsonCases))]
    public async Task PostOffload_ReturnsProblemNamingTheField_ForBadJson(string name)
    {
        var (body, field, status) = s_jsonCases[name];
        using var content = new StringContent(body(), Encoding.UTF8, "application/json");

        using var response = await server.DeviceClient.PostAsync("/api/v1/offloads", content);

        await AssertProblemNamingAsync(response, status, field);
    }

    [Theory]
    [MemberData(nameof(BinaryCases))]
    public async Task PostOffload_ReturnsProblemNamingTheField_ForABadBinaryOffload(string name)
    {
        var (request, field, status) = s_binaryCases[name];
        using var message = request();

        using var response = await server.DeviceClient.SendAsync(message);

        await AssertProblemNamingAsync(response, status, field);
    }

    [Fact]
    public async Task PostOffload_Returns413_ForAnOversizedChunkedBody()
    {
        // No Content-Length: the server must count what it reads rather than trust a header.
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(
            With(Valid(), o => o["padding"] = new string('x', 100_000)))));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/offloads") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await server.DeviceClient.SendAsync(request);

        await AssertProblemNamingAsync(response, HttpStatusCode.RequestEntityTooLarge, "body");
    }

    [Theory]
    [InlineData(WireHeaders.SampleId, "second-id")]
    [InlineData(WireHeaders.LocalClass, "3")]
    public async Task PostBinaryOffload_WithAFieldHeaderSentTwice_Is400NamingIt_AndStoresNothing(string header, string second)
    {
        using var request = Binary();
        var sampleId = request.Headers.GetValues(WireHeaders.SampleId).Single();
        request.Headers.Add(header, second);

        using var response = await server.DeviceClient.SendAsync(request);

        await AssertProblemNamingAsync(response, HttpStatusCode.BadRequest, header);
        Assert.Equal(0L, await server.App.Database.CountAsync(
            "SELECT COUNT(*) FROM \"Decisions\" WHERE \"SampleId\" LIKE @id", ("@id", sampleId + "%")));
    }

    [Fact]
    public async Task PostOffload_StoresNothing_ForRejectedOffloads()
    {
        using var content = new StringContent(With(Valid(), o =>
        {
            o["sampleId"] = "rejected-one";
            o["local"]!["confidence"] = 2;
        }), Encoding.UTF8, "application/json");

        using var response = await server.DeviceClient.PostAsync("/api/v1/offloads", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0L, await server.App.Database.CountAsync(
            "SELECT COUNT(*) FROM \"Decisions\" WHERE \"SampleId\" = 'rejected-one'"));
    }

    [Fact]
    public async Task ValidBaseline_IsAccepted()
    {
        // Guards the cases above: each breaks exactly one thing of a body that is otherwise accepted.
        using var content = new StringContent(Valid().ToJsonString(), Encoding.UTF8, "application/json");
        using var binary = Binary();

        using var jsonResponse = await server.DeviceClient.PostAsync("/api/v1/offloads", content);
        using var binaryResponse = await server.DeviceClient.SendAsync(binary);

        Assert.Equal(HttpStatusCode.OK, jsonResponse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, binaryResponse.StatusCode);
    }

    private static async Task AssertProblemNamingAsync(HttpResponseMessage response, HttpStatusCode status, string field)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(text);
        Assert.Equal((int)status, problem.RootElement.GetProperty("status").GetInt32());
        var errors = problem.RootElement.TryGetProperty("errors", out var e) ? e : default;
        var names = errors.ValueKind == JsonValueKind.Object ? errors.EnumerateObject().Select(p => p.Name).ToList() : [];
        Assert.True(names.Contains(field), $"errors should name '{field}': {text}");
    }

    private static JsonObject Valid() => new()
    {
        ["sampleId"] = $"bad-input-{Guid.NewGuid():n}",
        ["input"] = new JsonObject
        {
            ["datatype"] = "UINT8",
            ["shape"] = new JsonArray(1, 28, 28),
            ["data"] = Convert.ToBase64String(Samples.Test.Sample(Image)),
        },
        ["local"] = new JsonObject { ["predictedClass"] = 3, ["confidence"] = 0.4, ["inferenceMicros"] = 800 },
        ["label"] = 3,
    };

    private static string With(JsonObject body, Action<JsonObject> change)
    {
        change(body);
        return body.ToJsonString();
    }

    private static string Without(JsonObject body, Func<JsonObject, bool> remove)
    {
        Assert.True(remove(body));
        return body.ToJsonString();
    }

    private static string WithData(JsonObject body, string datatype, byte[] data) => With(body, o =>
    {
        o["input"]!["datatype"] = datatype;
        o["input"]!["data"] = Convert.ToBase64String(data);
    });

    /// <summary>3136 bytes: 784 little-endian floats of <paramref name="value"/>, optionally one NaN.</summary>
    private static byte[] Float32Bytes(float value, int nanAt = -1)
    {
        Assert.True(BitConverter.IsLittleEndian);
        var bytes = new byte[784 * sizeof(float)];
        for (var i = 0; i < 784; i++)
        {
            BitConverter.GetBytes(i == nanAt ? float.NaN : value).CopyTo(bytes, i * sizeof(float));
        }

        return bytes;
    }

    private static HttpRequestMessage Binary(byte[]? body = null, string? datatype = null, string? remove = null,
        (string Name, string Value)? set = null)
    {
        var request = Samples.Binary(Image, $"bad-binary-{Guid.NewGuid():n}").ToRequest();
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        }

        if (datatype is not null)
        {
            request.Headers.Add("X-HiPortal-Datatype", datatype);
        }

        if (remove is not null)
        {
            Assert.True(request.Headers.Remove(remove));
        }

        if (set is { } header)
        {
            request.Headers.Remove(header.Name);
            request.Headers.Add(header.Name, header.Value);
        }

        return request;
    }
}
