using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace HiPortal.Server.Tests.Models;

/// <summary>
/// A third model pair of another shape and datatype, registered through the API and assigned to a new fleet, serves
/// JSON, binary and OIP requests with the answers the model gives when run directly; its tiny model is delivered.
/// </summary>
public sealed class ModelAcceptanceTests
{
    [Fact]
    public async Task UploadedPair_ServesJsonBinaryAndOip_AsTheModelRunDirectly()
    {
        using var tiny = new TestModel("patch-tiny", "1.0.0", seed: 11, hidden: 0);
        using var large = new TestModel("patch-large", "1.0.0", seed: 12, hidden: 24);
        await using var app = await HiPortalHost.StartAsync();
        using var admin = await app.CreateAdminAsync();

        var registered = await admin.RegisterModelAsync(large.Bytes, large.CardJson);
        await admin.RegisterModelAsync(tiny.Bytes, tiny.CardJson);
        await admin.CreateFleetAsync("patches");
        var pair = await admin.SetFleetModelsAsync("patches", new FleetModelsRequest(tiny.Reference, large.Reference, "acceptance"));
        var device = app.CreateDeviceClient(await admin.RegisterDeviceAsync("patch-1", "patches"));

        Assert.Equal("UINT8", registered.Datatype);
        Assert.Equal([-1L, 3, 16, 16], registered.InputShape);
        Assert.Equal(new FleetModels(tiny.Reference, large.Reference), pair);

        var jsonSample = TestModel.Sample(1);
        var json = await device.OffloadAsync(new OffloadRequest
        {
            SampleId = "json-1",
            Input = new SampleInput { Datatype = "UINT8", Shape = [3, 16, 16], Data = Convert.ToBase64String(jsonSample) },
            Local = new LocalDecision { PredictedClass = 4, Confidence = 0.4 },
        });
        large.AssertAnswer(jsonSample, json.Probabilities, json.PredictedClass);
        Assert.Equal(("patch-large", "1.0.0"), (json.Model, json.ModelVersion));

        var binarySample = TestModel.Sample(2);
        var binary = await device.OffloadBinaryAsync(new BinaryOffload("binary-1", binarySample, 0, 0.3));
        large.AssertAnswer(binarySample, binary.Probabilities, binary.PredictedClass);

        var oipSamples = new[] { TestModel.Sample(3), TestModel.Sample(4) };
        using var oip = await device.PostAsJsonAsync("/v2/models/patch-large/infer", new
        {
            inputs = new[] { new { name = "input", shape = new[] { 2, 3, 16, 16 }, datatype = "UINT8", data = oipSamples.SelectMany(s => s.Select(b => (int)b)).ToArray() } },
        });
        Assert.Equal(HttpStatusCode.OK, oip.StatusCode);
        using (var body = JsonDocument.Parse(await oip.Content.ReadAsStringAsync()))
        {
            var probabilities = body.RootElement.GetProperty("outputs")[1];
            Assert.Equal([2, 5], probabilities.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
            var data = probabilities.GetProperty("data").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            for (var i = 0; i < oipSamples.Length; i++)
            {
                large.AssertAnswer(oipSamples[i], data.AsSpan(i * 5, 5).ToArray(), TopOf(data.AsSpan(i * 5, 5).ToArray()));
            }
        }

        var stored = await app.Database.QueryAsync("SELECT \"SampleId\", \"ModelName\", \"ModelVersion\", \"ServerClass\" FROM \"Decisions\" ORDER BY \"SampleId\"",
            r => (r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt32(3)));
        Assert.Equal(
            [("binary-1", "patch-large", "1.0.0", large.PredictedClass(binarySample)), ("json-1", "patch-large", "1.0.0", large.PredictedClass(jsonSample))],
            stored);

        // The local class is checked against this model's 5 classes, not Fashion-MNIST's 10.
        var refused = await Assert.ThrowsAsync<HiPortalApiException>(() => device.OffloadBinaryAsync(new BinaryOffload("binary-2", binarySample, 7, 0.3)));
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains(WireHeaders.LocalClass, refused.Problem!.Errors!.Keys);

        // The fleet's tiny model reaches the device through its configuration and the file route.
        var config = await device.GetConfigAsync();
        Assert.Equal(new TinyModelRef("patch-tiny", "1.0.0", tiny.Card.Sha256, tiny.Bytes.Length, Routes.ModelFile("patch-tiny", "1.0.0")), config.Model);
        var (bytes, etag) = await device.DownloadModelAsync("patch-tiny", "1.0.0");
        Assert.Equal(tiny.Bytes, bytes);
        Assert.Equal(tiny.Card.Sha256, etag);
    }

    [Fact]
    public async Task ModelFile_Answers304ForItsETag_And404ForAModelTheFleetDoesNotRun()
    {
        using var tiny = new TestModel("file-tiny", "1.0.0", seed: 21, hidden: 0);
        using var large = new TestModel("file-large", "1.0.0", seed: 22, hidden: 0);
        await using var app = await HiPortalHost.StartAsync();
        using var admin = await app.CreateAdminAsync();
        await admin.RegisterModelAsync(tiny.Bytes, tiny.CardJson);
        await admin.RegisterModelAsync(large.Bytes, large.CardJson);
        await admin.CreateFleetAsync("files");
        var first = await admin.RegisterDeviceAsync("file-1", "files");
        var before = await admin.VersionAsync(first.DeviceId);
        await admin.SetFleetModelsAsync("files", new FleetModelsRequest(tiny.Reference, large.Reference));
        using var other = await app.CreateDeviceAsync("elsewhere", "lab");

        var device = app.CreateDeviceClient(await admin.RegisterDeviceAsync("file-2", "files"));
        using var request = new HttpRequestMessage(HttpMethod.Get, Routes.ModelFile("file-tiny", "1.0.0"));
        request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{tiny.Card.Sha256}\""));
        using var notModified = await device.SendAsync(request);
        using var full = await device.GetAsync(Routes.ModelFile("file-tiny", "1.0.0"));
        using var notTheirs = await other.GetAsync(Routes.ModelFile("file-tiny", "1.0.0"));
        using var notTiny = await device.GetAsync(Routes.ModelFile("file-large", "1.0.0"));

        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(HttpStatusCode.OK, full.StatusCode);
        Assert.Equal("application/octet-stream", full.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"\"{tiny.Card.Sha256}\"", full.Headers.ETag?.Tag);
        Assert.Equal(HttpStatusCode.NotFound, notTheirs.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, notTiny.StatusCode);
        // Switching the tiny model bumped the configuration of the fleet's devices.
        Assert.True(await admin.VersionAsync(first.DeviceId) > before);
    }

    private static int TopOf(float[] values) => Array.IndexOf(values, values.Max());
}
