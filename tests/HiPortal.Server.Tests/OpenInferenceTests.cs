using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HiPortal.Server.Tests;

/// <summary>The large model through the Open Inference Protocol (KServe v2 REST).</summary>
public sealed class OpenInferenceTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Theory]
    [InlineData("/v2/health/live", "live")]
    [InlineData("/v2/health/ready", "ready")]
    public async Task Health_ReturnsTrue_WithoutAuthorization(string path, string property)
    {
        using var response = await server.Anonymous.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(body.RootElement.GetProperty(property).GetBoolean());
    }

    [Fact]
    public async Task ModelMetadata_DescribesTheLargeModel()
    {
        using var response = await server.DeviceClient.GetAsync("/v2/models/fashion-large");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = body.RootElement;
        Assert.Equal("fashion-large", root.GetProperty("name").GetString());
        Assert.Equal([LargeModel.Version], root.GetProperty("versions").EnumerateArray().Select(v => v.GetString()));
        var input = Assert.Single(root.GetProperty("inputs").EnumerateArray());
        Assert.Equal("input", input.GetProperty("name").GetString());
        Assert.Equal("FP32", input.GetProperty("datatype").GetString());
        Assert.Equal([-1, 1, 28, 28], input.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
        var output = Assert.Single(root.GetProperty("outputs").EnumerateArray());
        Assert.Equal("logits", output.GetProperty("name").GetString());
        Assert.Equal([-1, 10], output.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
    }

    [Fact]
    public async Task ModelReady_ReturnsReadyTrue()
    {
        using var response = await server.DeviceClient.GetAsync("/v2/models/fashion-large/ready");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(body.RootElement.GetProperty("ready").GetBoolean());
    }

    [Fact]
    public async Task Infer_ReturnsLogitsMatchingTheModel_ForAFlatFp32Batch()
    {
        int[] images = [0, 1];
        var data = images.SelectMany(i => Samples.Test.Sample(i).ToArray().Select(p => p / 255f)).ToArray();
        Assert.Equal(1568, data.Length);
        var body = new
        {
            id = "spec-example",
            inputs = new[] { new { name = "input", shape = new[] { 2, 1, 28, 28 }, datatype = "FP32", data } },
        };

        using var response = await server.DeviceClient.PostAsJsonAsync("/v2/models/fashion-large/infer", body);

        await AssertLogitsMatchAsync(response, images);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("fashion-large", document.RootElement.GetProperty("model_name").GetString());
        Assert.Equal("spec-example", document.RootElement.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Infer_AcceptsUint8NestedData()
    {
        int[] images = [2, 3, 4];
        // [3,28,28] nested as rows of pixels, as many clients send tensors.
        var nested = images.Select(i => Enumerable.Range(0, 28)
            .Select(row => Samples.Test.Sample(i).Slice(row * 28, 28).ToArray().Select(p => (int)p).ToArray()).ToArray()).ToArray();
        var body = new { inputs = new[] { new { name = "input", shape = new[] { 3, 28, 28 }, datatype = "UINT8", data = nested } } };

        using var response = await server.DeviceClient.PostAsJsonAsync("/v2/models/fashion-large/infer", body);

        await AssertLogitsMatchAsync(response, images);
    }

    [Fact]
    public async Task Infer_AcceptsTheModelVersionRoute()
    {
        var body = new { inputs = new[] { new { name = "input", shape = new[] { 1, 784 }, datatype = "UINT8", data = Pixels(5) } } };

        using var response = await server.DeviceClient.PostAsJsonAsync($"/v2/models/fashion-large/versions/{LargeModel.Version}/infer", body);

        await AssertLogitsMatchAsync(response, [5]);
    }

    [Fact]
    public async Task Infer_WorksForAnAdminToken()
    {
        using var admin = await server.App.CreateAdminAsync();
        var body = new { inputs = new[] { new { name = "input", shape = new[] { 1, 784 }, datatype = "UINT8", data = Pixels(6) } } };

        using var response = await admin.PostAsJsonAsync("/v2/models/fashion-large/infer", body);

        await AssertLogitsMatchAsync(response, [6]);
    }

    public static TheoryData<string, string> BadRequests => new()
    {
        { "wrong shape", Request(shape: [1, 1, 28, 27]) },
        { "shape and data disagree", Request(shape: [2, 1, 28, 28]) },
        { "missing inputs", """{"id":"x"}""" },
        { "empty inputs", """{"inputs":[]}""" },
        { "wrong input name", Request(name: "pixels") },
        { "unknown datatype", Request(datatype: "INT64") },
        { "UINT8 value 256", Request(datatype: "UINT8", value: 256) },
        { "FP32 value 1.5", Request(value: 1.5) },
        { "data not numbers", """{"inputs":[{"name":"input","shape":[1,784],"datatype":"FP32","data":["a"]}]}""" },
        { "malformed JSON", "{\"inputs\": [" },
        { "JSON array", "[]" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Infer_Returns400WithError_ForABadRequest(string name, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");

        using var response = await server.DeviceClient.PostAsync("/v2/models/fashion-large/infer", content);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, name);
    }

    [Theory]
    [InlineData("/v2/models/small/infer")]
    [InlineData("/v2/models/fashion-large/versions/9.9.9/infer")]
    public async Task Infer_Returns404WithError_ForAnUnknownModel(string path)
    {
        using var content = new StringContent(Request(), Encoding.UTF8, "application/json");

        using var response = await server.DeviceClient.PostAsync(path, content);

        await AssertErrorAsync(response, HttpStatusCode.NotFound, path);
    }

    [Fact]
    public async Task ModelMetadata_Returns404WithError_ForAnUnknownModel()
    {
        using var response = await server.DeviceClient.GetAsync("/v2/models/small");

        await AssertErrorAsync(response, HttpStatusCode.NotFound, "metadata");
    }

    [Theory]
    [InlineData("POST", "/v2/models/fashion-large/infer")]
    [InlineData("GET", "/v2/models/fashion-large")]
    [InlineData("GET", "/v2/models/fashion-large/ready")]
    public async Task ModelEndpoints_Return401_WithoutAuthorization(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = new StringContent(Request(), Encoding.UTF8, "application/json");
        }

        using var response = await server.Anonymous.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private static async Task AssertLogitsMatchAsync(HttpResponseMessage response, int[] images)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var document = JsonDocument.Parse(text);
        var logits = document.RootElement.GetProperty("outputs")[0];
        Assert.Equal("logits", logits.GetProperty("name").GetString());
        Assert.Equal("FP32", logits.GetProperty("datatype").GetString());
        Assert.Equal([images.Length, 10], logits.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
        var values = logits.GetProperty("data").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        Assert.Equal(images.Length * 10, values.Length);
        for (var s = 0; s < images.Length; s++)
        {
            var expected = LargeModel.Logits(Samples.Test.Sample(images[s]));
            var actual = values.AsSpan(s * 10, 10);
            Assert.Equal(LargeModel.ArgMax(expected), LargeModel.ArgMax(actual));
            for (var c = 0; c < 10; c++)
            {
                Assert.Equal(expected[c], actual[c], 1e-3f);
            }
        }
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string because)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{because}: expected {(int)status}, got {(int)response.StatusCode}: {text}");
        using var document = JsonDocument.Parse(text);
        Assert.False(string.IsNullOrWhiteSpace(document.RootElement.GetProperty("error").GetString()), because);
    }

    private static int[] Pixels(int image) => Samples.Test.Sample(image).ToArray().Select(p => (int)p).ToArray();

    /// <summary>A one-sample request of 784 values of <paramref name="value"/>, with one thing changed.</summary>
    private static string Request(int[]? shape = null, string name = "input", string datatype = "FP32", double value = 0.5) =>
        new JsonObject
        {
            ["inputs"] = new JsonArray(new JsonObject
            {
                ["name"] = name,
                ["shape"] = new JsonArray((shape ?? [1, 1, 28, 28]).Select(d => (JsonNode)d).ToArray()),
                ["datatype"] = datatype,
                ["data"] = new JsonArray(Enumerable.Repeat(value, 784).Select(v => (JsonNode)v).ToArray()),
            }),
        }.ToJsonString();
}
