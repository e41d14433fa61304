using System.Collections.Concurrent;
using System.Security.Cryptography;
using HiPortal.Core.Decisions;
using HiPortal.Core.Inference;
using HiPortal.Testing.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.DeviceSdk.Tests;

/// <summary>
/// Tiny-model delivery through the real SDK against a small real ASP.NET Core app on loopback that serves the
/// device routes as the server does (config, ack, model file). The server side of these routes is another branch;
/// this checks what the device does with what it is sent.
/// </summary>
public sealed class TinyModelDeliveryTests : IAsyncLifetime
{
    private static readonly int[] s_shape = [1, 8];
    private readonly string _root = Directory.CreateTempSubdirectory("hiportal-delivery-").FullName;
    private readonly ConcurrentQueue<ConfigAck> _acks = new();
    private readonly Dictionary<string, byte[]> _files = [];
    private WebApplication _app = null!;
    private EffectiveConfigResponse _config = null!;
    private Uri _address = null!;

    public async Task InitializeAsync()
    {
        // Its own content root: the server's appsettings.json beside the tests must not configure this app's Kestrel.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = _root });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapGet(Routes.Config, () => Results.Json(_config, ContractsJson.Default.EffectiveConfigResponse));
        _app.MapPost(Routes.ConfigAck, async (HttpRequest request) =>
        {
            var ack = await request.ReadFromJsonAsync(ContractsJson.Default.ConfigAck);
            _acks.Enqueue(ack!);
            return Results.Json(new AckResponse(ack!.Version ?? 0, ack.Status!, _config.Version), ContractsJson.Default.AckResponse);
        });
        _app.MapGet("/api/v1/models/{name}/{version}/file", (string name, string version, HttpRequest request) =>
            request.Headers.Authorization != "Bearer device-key" ? Results.Unauthorized()
            : _files.TryGetValue($"{name}@{version}", out var bytes) ? Results.Bytes(bytes, "application/octet-stream")
            : Results.NotFound());
        await _app.StartAsync();
        _address = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task DeliveredModel_WithTheRightHash_IsSwitchedToAndAckedApplied()
    {
        await using var device = Device();
        var next = Offer("sensor-tiny", "2.0.0", new OnnxModelBuilder { SampleShape = s_shape, Classes = 3, Seed = 9 }.Build());

        Assert.True(await device.SyncConfigurationAsync());

        Assert.Equal("sensor-tiny@2.0.0", device.TinyModel);
        Assert.Equal(("applied", 1L), (Assert.Single(_acks).Status, Assert.Single(_acks).Version ?? 0));
        // The device now answers with the new graph: the class the new model gives the sample directly.
        var sample = Sample(0.5f);
        using var expected = OnnxClassifier.Load(Cached("sensor-tiny", "2.0.0"), ModelCard.Load(ModelLayout.CardPath(Path.GetDirectoryName(Cached("sensor-tiny", "2.0.0"))!)));
        var scores = new float[3];
        expected.Run(ToFloats(sample), 1, scores);
        Assert.Equal(Array.IndexOf(scores, scores.Max()), (await device.ProcessAsync(sample)).LocalClass);
        Assert.Equal(next, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Cached("sensor-tiny", "2.0.0")))));
    }

    [Fact]
    public async Task DeliveredModel_WithAWrongHash_IsRejectedAndTheOldModelKept()
    {
        await using var device = Device();
        var before = (await device.ProcessAsync(Sample(0.25f))).LocalClass;
        Offer("sensor-tiny", "2.0.0", new OnnxModelBuilder { SampleShape = s_shape, Classes = 3, Seed = 9 }.Build(), sha256: new string('0', 64));

        Assert.True(await device.SyncConfigurationAsync());

        var ack = Assert.Single(_acks);
        Assert.Equal("rejected", ack.Status);
        Assert.Contains("sha256 of sensor-tiny@2.0.0 is", ack.Message);
        Assert.Contains("keeping sensor-tiny@1.0.0", ack.Message);
        Assert.Equal("sensor-tiny@1.0.0", device.TinyModel);
        Assert.Equal(0, device.Configuration.Version);
        Assert.Equal(before, (await device.ProcessAsync(Sample(0.25f))).LocalClass);
        Assert.False(File.Exists(Cached("sensor-tiny", "2.0.0")));
    }

    [Fact]
    public async Task DeliveredModel_ThatTakesAnotherSample_IsRejectedNamingTheField()
    {
        await using var device = Device();
        Offer("sensor-tiny", "3.0.0", new OnnxModelBuilder { SampleShape = [1, 16], Classes = 3, Seed = 9 }.Build());

        Assert.True(await device.SyncConfigurationAsync());

        var ack = Assert.Single(_acks);
        Assert.Equal("rejected", ack.Status);
        Assert.Contains("does not take the running model's sample: input.shape", ack.Message);
        Assert.Equal("sensor-tiny@1.0.0", device.TinyModel);
    }

    private HiDeviceClient Device()
    {
        var repository = Path.Combine(_root, "repo");
        new OnnxModelBuilder { SampleShape = s_shape, Classes = 3, Seed = 1 }.WriteTo(repository, "sensor-tiny", "1.0.0", "FP32");
        return new HiDeviceClient(new HiDeviceOptions
        {
            ServerUri = _address,
            DeviceKey = "device-key",
            TinyModel = "sensor-tiny@1.0.0",
            ModelRepository = repository,
            ModelCacheDirectory = Path.Combine(_root, "cache"),
            // Every sample stays local: these tests are about the model, not offloads.
            InitialRule = OffloadRules.MaxSoftmax,
            InitialThreshold = 0,
        });
    }

    /// <summary>Serves <paramref name="onnx"/> and makes it version 1's tiny model; returns its true sha256.</summary>
    private string Offer(string name, string version, byte[] onnx, string? sha256 = null)
    {
        var actual = Convert.ToHexStringLower(SHA256.HashData(onnx));
        _files[$"{name}@{version}"] = onnx;
        _config = new EffectiveConfigResponse(1, OffloadRules.MaxSoftmax, 0, null, 10, "lab",
            new TinyModelRef(name, version, sha256 ?? actual, onnx.Length, Routes.ModelFile(name, version)));
        return actual;
    }

    private string Cached(string name, string version) =>
        ModelLayout.OnnxPath(ModelLayout.VersionDirectory(Path.Combine(_root, "cache"), name, version));

    private static byte[] Sample(float value) =>
        Enumerable.Range(0, 8).SelectMany(i => BitConverter.GetBytes(value * (i - 3))).ToArray();

    private static float[] ToFloats(byte[] sample) =>
        Enumerable.Range(0, sample.Length / 4).Select(i => BitConverter.ToSingle(sample, i * 4)).ToArray();
}
