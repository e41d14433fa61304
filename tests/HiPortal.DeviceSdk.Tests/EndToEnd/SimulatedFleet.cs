using HiPortal.Cli.Common;
using HiPortal.Cli.Simulate;
using HiPortal.Core.Data;
using HiPortal.Core.Inference;
using HiPortal.Core.Savings;

namespace HiPortal.DeviceSdk.Tests.EndToEnd;

/// <summary>
/// <c>hiportal simulate</c>'s fleet, assembled from its own parts (VirtualDevice, SimulationClock, SimulationRecorder)
/// the way FleetSimulation does, but holding on to the SDK clients and the records, so a test can act mid-run
/// (change θ, stop the server) and compare every sample with the offline evaluation afterwards.
/// </summary>
public sealed class SimulatedFleet : IAsyncDisposable
{
    private static readonly Lazy<LabelledSamples> s_images = new(() => FashionMnist.Load(FashionMnistSplit.Test));

    // The devices' tiny model as the simulator loads it: one thread, no spinning, shared by every device.
    private static readonly Lazy<OnnxClassifier> s_tiny = new(() =>
        OnnxClassifier.Load(ModelCard.LoadNamed("fashion-tiny").OnnxPath(), intraOpThreads: 1, allowSpinning: false));

    private readonly SimulationSettings _settings;

    public SimulatedFleet(Uri server, IReadOnlyList<(string DeviceId, string Key)> devices, double rate, int samples,
        Func<int, int>? bufferCapacity = null)
    {
        Devices = devices;
        _settings = new SimulationSettings(server, devices.Count, rate, Duration: null, samples, KeyFile: null, AdminUser: "admin",
            AdminPassword: null, DriftKind.None, Fleet: "", Insecure: false, CertificateSha256: null, Output: "",
            Data: new DataSelection("", null, null, null, "x", "y", null, "fashion-tiny", "fashion-large"), Profile: "esp32-wifi", BufferCapacity: 256, DrainTimeout: TimeSpan.Zero, Seed: 11);
        // Each device's SDK client exactly as hiportal simulate sets it up; only the buffer size varies here.
        Clients = devices.Select((d, i) => new HiDeviceClient(FleetSimulation.DeviceOptions(
            _settings with { BufferCapacity = bufferCapacity?.Invoke(i) ?? _settings.BufferCapacity }, d.Key, Tiny,
            DeviceProfiles.Get(_settings.Profile), Network))).ToList();
    }

    public static LabelledSamples Images => s_images.Value;

    public static OnnxClassifier Tiny => s_tiny.Value;

    public IReadOnlyList<(string DeviceId, string Key)> Devices { get; }

    public IReadOnlyList<HiDeviceClient> Clients { get; }

    public ObservedNetwork Network { get; } = new();

    public SimulationRecorder Recorder { get; } = new();

    /// <summary>The running fleet's clock (samples taken so far); null before <see cref="RunAsync"/>.</summary>
    public SimulationClock? Clock { get; private set; }

    /// <summary>Each device's records, in the order it processed them.</summary>
    public IReadOnlyList<SampleRecord>[] RecordsByDevice()
    {
        var records = Recorder.Records;
        return Enumerable.Range(0, Devices.Count).Select(d => (IReadOnlyList<SampleRecord>)records.Where(r => r.Device == d).ToList()).ToArray();
    }

    /// <summary>Fetches every device's configuration and starts their telemetry (and long-polls).</summary>
    public Task StartAsync() => Task.WhenAll(Clients.Select(c => c.StartAsync()));

    /// <summary>Runs every device until the sample budget is spent (or <paramref name="stop"/> is cancelled).</summary>
    public Task RunAsync(CancellationToken stop = default)
    {
        Clock = new SimulationClock(null, _settings.Samples);
        return Task.WhenAll(Clients.Select((c, i) =>
            new VirtualDevice(i, c, Images, _settings, Clock, Recorder).RunAsync(stop)));
    }

    /// <summary>A last telemetry report from every device; true when the server confirmed each.</summary>
    public async Task<bool> FlushTelemetryAsync() => (await Task.WhenAll(Clients.Select(c => c.FlushTelemetryAsync()))).All(ok => ok);

    public async ValueTask DisposeAsync()
    {
        foreach (var client in Clients)
            await client.DisposeAsync();
        Network.Dispose();
    }
}
