using System.Text.Json;
using HiPortal.Core.Inference;
using HiPortal.Core.Savings;
using HiPortal.DeviceSdk;
using HiPortal.DeviceSdk.Transport;
using Spectre.Console;

namespace HiPortal.Cli.Simulate;

/// <summary>Runs the virtual fleet against a server, then replays its samples offline and reports both.</summary>
public static class FleetSimulation
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static async Task<SimulationReport> RunAsync(SimulationSettings settings, CancellationToken cancellationToken)
    {
        var profile = DeviceProfiles.Get(settings.Profile);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(settings.Output))!);
        var images = settings.Data.LoadTest();
        using var pair = settings.Data.LoadPair();
        pair.EnsureFits(images, "test data");
        // Devices send their sensor's raw samples, and drift distorts grey levels: both need the card's datatype.
        if (images.Datatype != pair.Tiny.Signature.Datatype)
            throw new InvalidDataException($"the devices send {pair.Tiny.Signature.Datatype.Name()} samples; the data is {images.Datatype.Name()}");
        if (settings.Drift != DriftKind.None && images.Datatype != (VibrationDrift.Handles(settings.Drift) ? SampleDatatype.Int16 : SampleDatatype.Uint8))
            throw new ArgumentException(VibrationDrift.Handles(settings.Drift)
                ? "--drift speedstep|loadstep distorts INT16 vibration windows (the vibration pair)"
                : "--drift noise|brightness|noisestep|brightnessstep distorts UINT8 grey levels (the Fashion pair); speedstep|loadstep is the vibration pair's");
        // The devices' tiny model: one thread, no spinning, shared by every virtual device (sessions are thread-safe).
        using var tiny = OnnxClassifier.Load(ModelLayout.OnnxPath(pair.TinyDirectory), pair.TinyCard, intraOpThreads: 1, allowSpinning: false);
        using var network = ServerCertificates.CreateHandler(settings.CertificateSha256, settings.Insecure, TimeSpan.FromSeconds(10));
        var identities = await DeviceKeys.ObtainAsync(settings, network, cancellationToken);
        var clients = identities.Select(d => new HiDeviceClient(DeviceOptions(settings, d.Key, tiny, profile, network))).ToList();
        await Task.WhenAll(clients.Select(c => c.StartAsync(cancellationToken)));
        var first = clients[0].Configuration;
        AnsiConsole.MarkupLineInterpolated(
            $"[grey]configuration v{first.Version}: {first.Rule}, θ = {first.Threshold:0.###}, telemetry every {first.TelemetryInterval.TotalSeconds:0} s[/]");

        var recorder = new SimulationRecorder();
        var clock = new SimulationClock(settings.Duration, settings.Samples);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (settings.Duration is { } duration)
            stop.CancelAfter(duration);
        var run = Task.WhenAll(clients.Select((c, i) => new VirtualDevice(i, c, images, settings, clock, recorder).RunAsync(stop.Token)));
        await LiveProgress.ShowAsync(run, recorder, clock, settings, () => clients.Sum(c => c.BufferedCount));
        await run;
        var elapsed = clock.Elapsed;

        var open = await recorder.AwaitDeferredAsync(settings.DrainTimeout);
        if (open > 0)
            AnsiConsole.MarkupLineInterpolated($"[yellow]{open} buffered samples still unanswered after {settings.DrainTimeout.TotalSeconds:0} s[/]");
        foreach (var client in clients)
            await client.DisposeAsync();
        var statistics = clients.Select(c => c.GetStatistics()).ToList();

        var records = recorder.Records;
        AnsiConsole.MarkupLineInterpolated($"[grey]replaying {records.Count:N0} samples offline through both models...[/]");
        var offline = OfflineReplay.Run(records, images, tiny, pair.Large, drifted: true);
        var clean = settings.Drift == DriftKind.None ? null : OfflineReplay.Run(records, images, tiny, pair.Large, drifted: false);
        var report = SimulationReport.Build(settings, elapsed, records, offline, clean, statistics, tiny.Signature.SampleBytes);
        SimulationReportTable.Write(report);
        await File.WriteAllTextAsync(settings.Output, JsonSerializer.Serialize(report, s_json), CancellationToken.None);
        AnsiConsole.MarkupLineInterpolated($"report written to [bold]{settings.Output}[/]");
        return report;
    }

    /// <summary>How each virtual device's SDK client is set up.</summary>
    public static HiDeviceOptions DeviceOptions(SimulationSettings settings, string key, OnnxClassifier tiny, DeviceProfile profile,
        HttpMessageHandler network) => new()
        {
            ServerUri = settings.Server,
            DeviceKey = key,
            Model = tiny,
            Profile = profile,
            OfflineBufferCapacity = settings.BufferCapacity,
            // One connection pool (pinning or --insecure included) for the whole simulated fleet.
            HttpMessageHandler = network,
            // An admin's change reaches a device within moments; otherwise only with its next offload answer or
            // telemetry report, seconds later for a device that is mostly confident.
            LongPollConfiguration = true,
        };
}
