using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HiPortal.Core.Inference;

namespace HiPortal.Server.Tests.Models;

/// <summary>
/// Pairs whose samples travel as FP16, INT8 or INT16, uploaded through the admin API and assigned to a fleet, answer
/// JSON, binary and OIP requests as the model run directly does; values outside the datatype are a 400 naming the field.
/// </summary>
public sealed class WireDatatypeTests
{
    public static TheoryData<SampleDatatype, double> OutOfRange => new()
    {
        { SampleDatatype.Fp16, 1e6 },     // beyond FP16's ±65,504: it would be infinite
        { SampleDatatype.Int8, 128 },
        { SampleDatatype.Int16, -32769 },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public async Task UploadedPair_OfEachWireDatatype_AnswersAsTheModelRunDirectly_AndRefusesValuesOutsideIt(SampleDatatype datatype, double outside)
    {
        var name = datatype.Name().ToLowerInvariant();
        using var tiny = new TestModel($"{name}-tiny", "1.0.0", seed: 41, hidden: 0, datatype);
        using var large = new TestModel($"{name}-large", "1.0.0", seed: 42, hidden: 12, datatype);
        await using var app = await HiPortalHost.StartAsync();
        using var admin = await app.CreateAdminAsync();
        var registered = await admin.RegisterModelAsync(large.Bytes, large.CardJson);
        await admin.RegisterModelAsync(tiny.Bytes, tiny.CardJson);
        await admin.CreateFleetAsync(name);
        await admin.SetFleetModelsAsync(name, new FleetModelsRequest(tiny.Reference, large.Reference, "wire datatypes"));
        var device = app.CreateDeviceClient(await admin.RegisterDeviceAsync($"{name}-1", name));
        Assert.Equal(datatype.Name(), registered.Datatype);

        var jsonSample = large.SampleOf(1);
        var json = await device.OffloadAsync(Offload("json-1", datatype, jsonSample));
        large.AssertAnswer(jsonSample, json.Probabilities, json.PredictedClass);
        Assert.Equal((large.Card.Name, "1.0.0"), (json.Model, json.ModelVersion));

        var binarySample = large.SampleOf(2);
        var binary = await device.OffloadBinaryAsync(new BinaryOffload("binary-1", binarySample, 0, 0.3) { Datatype = datatype.Name() });
        large.AssertAnswer(binarySample, binary.Probabilities, binary.PredictedClass);

        var oipSample = large.SampleOf(3);
        using (var oip = await PostInferAsync(device, large, datatype, large.Values(oipSample)))
        {
            Assert.Equal(HttpStatusCode.OK, oip.StatusCode);
            using var body = JsonDocument.Parse(await oip.Content.ReadAsStringAsync());
            var probabilities = body.RootElement.GetProperty("outputs")[1].GetProperty("data").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            large.AssertAnswer(oipSample, probabilities, Array.IndexOf(probabilities, probabilities.Max()));
        }

        var stored = await app.Database.QueryAsync("SELECT \"SampleId\", \"ServerClass\" FROM \"Decisions\" ORDER BY \"SampleId\"", r => (r.GetString(0), r.GetInt32(1)));
        Assert.Equal([("binary-1", large.PredictedClass(binarySample)), ("json-1", large.PredictedClass(jsonSample))], stored);

        // A value the datatype cannot hold: OIP names the data element; nothing is stored.
        var values = large.Values(large.SampleOf(4));
        values[5] = outside;
        using (var refused = await PostInferAsync(device, large, datatype, values))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("inputs[0].data", await refused.Content.ReadAsStringAsync());
        }

        Assert.Equal(2, await app.Database.CountAsync("SELECT COUNT(*) FROM \"Decisions\""));
    }

    [Fact]
    public async Task Fp16SampleHoldingInfinityOrNaN_Is400NamingTheField_InJsonAndBinaryForm()
    {
        using var tiny = new TestModel("half-tiny", "1.0.0", seed: 51, hidden: 0, SampleDatatype.Fp16);
        using var large = new TestModel("half-large", "1.0.0", seed: 52, hidden: 0, SampleDatatype.Fp16);
        await using var app = await HiPortalHost.StartAsync();
        using var admin = await app.CreateAdminAsync();
        await TestModel.CreateFleetAsync(admin, "halves", tiny, large);
        var device = app.CreateDeviceClient(await admin.RegisterDeviceAsync("half-1", "halves"));
        var infinite = large.SampleOf(1);
        BinaryPrimitives.WriteHalfLittleEndian(infinite.AsSpan(10 * 2), Half.PositiveInfinity);
        var nan = large.SampleOf(2);
        BinaryPrimitives.WriteHalfLittleEndian(nan.AsSpan(0), Half.NaN);

        var json = await Assert.ThrowsAsync<HiPortalApiException>(() => device.OffloadAsync(Offload("json-inf", SampleDatatype.Fp16, infinite)));
        var binary = await Assert.ThrowsAsync<HiPortalApiException>(() =>
            device.OffloadBinaryAsync(new BinaryOffload("binary-nan", nan, 0, 0.3) { Datatype = "FP16" }));

        Assert.Equal(HttpStatusCode.BadRequest, json.Status);
        Assert.Contains("index 10 is +Infinity", json.Problem!.Errors!["input.data"][0]);
        Assert.Equal(HttpStatusCode.BadRequest, binary.Status);
        Assert.Contains("index 0 is NaN", binary.Problem!.Errors!["body"][0]);
        Assert.Equal(0, await app.Database.CountAsync("SELECT COUNT(*) FROM \"Decisions\""));
    }

    private static OffloadRequest Offload(string sampleId, SampleDatatype datatype, byte[] sample) => new()
    {
        SampleId = sampleId,
        Input = new SampleInput { Datatype = datatype.Name(), Shape = [3, 16, 16], Data = Convert.ToBase64String(sample) },
        Local = new LocalDecision { PredictedClass = 1, Confidence = 0.4 },
    };

    private static Task<HttpResponseMessage> PostInferAsync(DeviceClient device, TestModel model, SampleDatatype datatype, double[] values) =>
        device.PostAsJsonAsync($"/v2/models/{model.Card.Name}/infer", new
        {
            inputs = new[] { new { name = "input", shape = new[] { 1, 3, 16, 16 }, datatype = datatype.Name(), data = values } },
        });

}
