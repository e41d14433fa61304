using System.Security.Cryptography;
using HiPortal.Core.Decisions;
using HiPortal.Core.Inference;
using HiPortal.Testing.Models;

namespace HiPortal.DeviceSdk.Tests;

/// <summary>
/// Tiny-model delivery end to end: an admin registers a new tiny version on the real server and names it for the fleet;
/// the SDK sees it in its desired configuration, downloads it with its key, checks it, switches and acks, or rejects
/// it and keeps the model it runs.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class TinyModelDeliveryTests(ServerFixture server) : IDisposable
{
    private static readonly int[] s_shape = [1, 8];
    private readonly string _root = Directory.CreateTempSubdirectory("hiportal-delivery-").FullName;
    private readonly string _name = $"sensor-{Guid.NewGuid():N}"[..20];

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task DeliveredModel_IsDownloadedCheckedSwitchedTo_AndAckedApplied()
    {
        var (device, admin, fleet, deviceId) = await StartAsync();
        await using var owned = device;
        using var signedIn = admin;
        var next = await RegisterAsync(admin, "2.0.0", seed: 9);

        await admin.SetFleetModelsAsync(fleet, new FleetModelsRequest(Tiny: $"{_name}@2.0.0", Reason: "a better tiny model"));
        Assert.True(await device.SyncConfigurationAsync());

        Assert.Equal($"{_name}@2.0.0", device.TinyModel);
        var cached = Cached("2.0.0");
        Assert.Equal(next.Sha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(cached))));
        var view = (await admin.GetDeviceAsync(deviceId)).GetProperty("device");
        Assert.Equal(view.GetProperty("configVersion").GetInt64(), view.GetProperty("reportedVersion").GetInt64());
        // The device now answers as the new graph does.
        using var expected = OnnxClassifier.Load(cached, next);
        var sample = Sample(0.5f);
        var scores = new float[3];
        expected.Run(ToFloats(sample), 1, scores);
        Assert.Equal(Array.IndexOf(scores, scores.Max()), (await device.ProcessAsync(sample)).LocalClass);
    }

    [Fact]
    public async Task DeliveredModel_WhoseBytesDoNotHashToTheCard_IsRejected_AndTheOldModelKept()
    {
        var (device, admin, fleet, deviceId) = await StartAsync();
        await using var owned = device;
        using var signedIn = admin;
        var before = (await device.ProcessAsync(Sample(0.25f))).LocalClass;
        await RegisterAsync(admin, "2.0.0", seed: 9);
        await admin.SetFleetModelsAsync(fleet, new FleetModelsRequest(Tiny: $"{_name}@2.0.0"));
        // The file on the server's disk is damaged after it was registered: the card's sha256 no longer matches it.
        var stored = ModelLayout.OnnxPath(ModelLayout.VersionDirectory(Path.Combine(server.App.DataDirectory, "models"), _name, "2.0.0"));
        var bytes = await File.ReadAllBytesAsync(stored);
        bytes[^1] ^= 0xff;
        await File.WriteAllBytesAsync(stored, bytes);

        Assert.True(await device.SyncConfigurationAsync());

        Assert.Equal($"{_name}@1.0.0", device.TinyModel);
        Assert.Equal(0, device.Configuration.Version);
        Assert.Equal(before, (await device.ProcessAsync(Sample(0.25f))).LocalClass);
        Assert.False(File.Exists(Cached("2.0.0")));
        // The server learns why: the rejected ack and its reason are on the device's record.
        var detail = await admin.GetDeviceAsync(deviceId);
        Assert.Equal("rejected", detail.GetProperty("device").GetProperty("reportedStatus").GetString());
        Assert.Contains($"sha256 of {_name}@2.0.0", detail.GetProperty("reportedMessage").GetString(), StringComparison.Ordinal);
    }

    private async Task<(HiDeviceClient Device, HiPortalClient Admin, string Fleet, string DeviceId)> StartAsync()
    {
        var admin = await server.App.CreateAdminAsync();
        var fleet = $"lab-{Guid.NewGuid():N}"[..16];
        await RegisterAsync(admin, "1.0.0", seed: 1);
        var large = new OnnxModelBuilder { SampleShape = s_shape, Classes = 3, Seed = 5, Hidden = 16 };
        var largeBytes = large.Build();
        await admin.RegisterModelAsync(largeBytes, large.CardFor(largeBytes, $"{_name}-large", "1.0.0").ToJson());
        await admin.CreateFleetAsync(fleet);
        await admin.SetFleetModelsAsync(fleet, new FleetModelsRequest($"{_name}@1.0.0", $"{_name}-large@1.0.0"));
        var created = await admin.RegisterDeviceAsync("sensor", fleet);
        var repository = Path.Combine(_root, "repo");
        new OnnxModelBuilder { SampleShape = s_shape, Classes = 3, Seed = 1 }.WriteTo(repository, _name, "1.0.0");
        var device = new HiDeviceClient(new HiDeviceOptions
        {
            ServerUri = server.App.HttpAddress,
            DeviceKey = created.Key,
            TinyModel = $"{_name}@1.0.0",
            ModelRepository = repository,
            ModelCacheDirectory = Path.Combine(_root, "cache"),
            // Every sample stays local: these tests are about the model, not offloads.
            InitialRule = OffloadRules.MaxSoftmax,
            InitialThreshold = 0,
        });
        return (device, admin, fleet, created.DeviceId);
    }

    private async Task<ModelCard> RegisterAsync(HiPortalClient admin, string version, int seed)
    {
        var builder = new OnnxModelBuilder { SampleShape = s_shape, Classes = 3, Seed = seed };
        var bytes = builder.Build();
        var card = builder.CardFor(bytes, _name, version);
        await admin.RegisterModelAsync(bytes, card.ToJson());
        return card;
    }

    private string Cached(string version) =>
        ModelLayout.OnnxPath(ModelLayout.VersionDirectory(Path.Combine(_root, "cache"), _name, version));

    private static byte[] Sample(float value) =>
        Enumerable.Range(0, 8).SelectMany(i => BitConverter.GetBytes(value * (i - 3))).ToArray();

    private static float[] ToFloats(byte[] sample) =>
        Enumerable.Range(0, sample.Length / 4).Select(i => BitConverter.ToSingle(sample, i * 4)).ToArray();
}
