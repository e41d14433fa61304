using System.Net;
using System.Text;

namespace HiPortal.Server.Tests;

/// <summary>A body of a content type its route does not take is refused with 415 and a problem naming Content-Type.</summary>
public sealed class UnsupportedMediaTypeTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Offload_AsTextPlain_Is415_AndNothingIsStored()
    {
        var sampleId = Samples.Unique("plain");
        var json = System.Text.Json.JsonSerializer.Serialize(Samples.Offload(0, sampleId), ContractsJson.Default.OffloadRequest);

        using var response = await server.DeviceClient.PostAsync(Routes.Offloads, new StringContent(json, Encoding.UTF8, "text/plain"));

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "Content-Type");
        // The same body as JSON is taken: it was the content type, not the body, that was refused.
        var answer = await server.DeviceClient.OffloadAsync(Samples.Offload(0, sampleId));
        Assert.False(answer.Replayed);
    }

    [Fact]
    public async Task Offload_TakesJsonWithCharset_AndBinary()
    {
        var json = System.Text.Json.JsonSerializer.Serialize(Samples.Offload(1, Samples.Unique("charset")), ContractsJson.Default.OffloadRequest);
        using var response = await server.DeviceClient.PostAsync(Routes.Offloads, new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("utf-8", response.RequestMessage!.Content!.Headers.ContentType!.CharSet);

        var binary = await server.DeviceClient.OffloadBinaryAsync(Samples.Binary(2, Samples.Unique("binary")));
        Assert.False(binary.Replayed);
    }

    [Fact]
    public async Task Telemetry_AsXml_Is415()
    {
        using var response = await server.DeviceClient.PostAsync(Routes.Telemetry,
            new StringContent("""{"reports":[]}""", Encoding.UTF8, "application/xml"));
        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "Content-Type");
    }

    [Fact]
    public async Task OpenInferenceInfer_AsTextPlain_Is415()
    {
        using var response = await server.DeviceClient.PostAsync("/v2/models/large/infer",
            new StringContent("""{"inputs":[]}""", Encoding.UTF8, "text/plain"));
        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "Content-Type");
    }

    [Fact]
    public async Task OpenInferenceInfer_AsOctetStream_Is415_ItTakesJsonOnly()
    {
        using var response = await server.DeviceClient.PostAsync("/v2/models/large/infer", new ByteArrayContent(new byte[784])
        {
            Headers = { ContentType = new("application/octet-stream") },
        });
        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "Content-Type");
    }

    [Fact]
    public async Task AdminJsonRoute_AsFormOrText_Is415_AndChangesNothing()
    {
        using var admin = await server.App.CreateAdminAsync();
        var name = Samples.Unique("plain-fleet");

        using var text = await admin.PostAsync(Routes.Fleets, new StringContent($$"""{"name":"{{name}}"}""", Encoding.UTF8, "text/plain"));
        using var form = await admin.PutAsync(Routes.Fleets + "/default/config",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["threshold"] = "0.1" }));

        await AssertProblemAsync(text, HttpStatusCode.UnsupportedMediaType, "Content-Type");
        await AssertProblemAsync(form, HttpStatusCode.UnsupportedMediaType, "Content-Type");
        using var lookup = await admin.GetAsync($"{Routes.Fleets}/{name}");
        Assert.Equal(HttpStatusCode.NotFound, lookup.StatusCode);
        Assert.NotEqual(0.1, (await admin.GetFleetAsync("default")).GetProperty("desired").GetProperty("threshold").GetDouble());
    }

    [Theory]
    [InlineData("no-such-charset")]
    [InlineData("utf-7")] // an encoding .NET knows by name and refuses to use: the JSON binder threw a 500 for it
    [InlineData("\"UTF-7\"")]
    [InlineData("utf-16")] // the routes that read their own bodies read it as UTF-8 before
    public async Task JsonBodies_InACharsetOtherThanUtf8_Are415_OnEveryRoute_AndChangeNothing(string charset)
    {
        using var admin = await server.App.CreateAdminAsync();
        using var anonymous = server.App.CreateAnonymousClient();
        var name = Samples.Unique("charset-fleet");
        var sampleId = Samples.Unique("charset-offload");
        var offload = System.Text.Json.JsonSerializer.Serialize(Samples.Offload(1, sampleId), ContractsJson.Default.OffloadRequest);

        HttpResponseMessage[] responses =
        [
            await admin.PostAsync(Routes.Fleets, In(charset, $$"""{"name":"{{name}}"}""")),
            await anonymous.PostAsync(Routes.Token, In(charset, """{"username":"admin","password":"x"}""")),
            await server.DeviceClient.PostAsync(Routes.ConfigAck, In(charset, """{"version":1,"status":"applied"}""")),
            await server.DeviceClient.PostAsync(Routes.Offloads, In(charset, offload)),
            await server.DeviceClient.PostAsync(Routes.OffloadsBatch, In(charset, """{"items":[]}""")),
            await server.DeviceClient.PostAsync(Routes.Telemetry, In(charset, """{"reports":[]}""")),
            await server.DeviceClient.PostAsync("/v2/models/fashion-large/infer", In(charset, """{"inputs":[]}""")),
        ];

        foreach (var response in responses)
        {
            using (response)
            {
                var problem = await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "Content-Type");
                Assert.Contains(charset.Trim('"'), problem.Detail);
            }
        }

        using var lookup = await admin.GetAsync($"{Routes.Fleets}/{name}");
        Assert.Equal(HttpStatusCode.NotFound, lookup.StatusCode);
        Assert.False((await server.DeviceClient.OffloadAsync(Samples.Offload(1, sampleId))).Replayed);
    }

    [Fact]
    public async Task JsonWithTheUtf8Charset_IsTaken_HoweverItIsSpelled()
    {
        foreach (var charset in new[] { "utf-8", "UTF-8", "\"utf-8\"", "utf8" })
        {
            var json = System.Text.Json.JsonSerializer.Serialize(Samples.Offload(1, Samples.Unique("utf8")), ContractsJson.Default.OffloadRequest);
            using var response = await server.DeviceClient.PostAsync(Routes.Offloads, In(charset, json));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"charset={charset}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static StringContent In(string charset, string json)
    {
        var content = new StringContent(json);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse($"application/json; charset={charset}");
        return content;
    }
}
