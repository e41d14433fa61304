using HiPortal.Core.Data;
using HiPortal.Core.Inference;
using HiPortal.DeviceSdk;
using HiPortal.Server.Devices;
using HiPortal.Server.Fleets;
using HiPortal.Server.Inference;
using HiPortal.Server.Models;
using HiPortal.Server.Persistence;
using HiPortal.Server.RemoteConfig;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Demo;

/// <summary>
/// Small fleets of simulated devices inside the server process, so the dashboard moves the moment a newcomer
/// signs in: one per application (Fashion-MNIST images, bearing vibration). The devices are real clients: the device
/// SDK, the fleet's tiny model, real HTTP to this server's own loopback address, real keys; only the sensor is
/// replaced by labelled test samples.
/// </summary>
public sealed class DemoFleet(
    IOptions<DemoOptions> options,
    IHostEnvironment environment,
    IServer server,
    IHostApplicationLifetime lifetime,
    ModelHost model,
    ModelRepository repository,
    IDbContextFactory<HiPortalDb> dbFactory,
    TimeProvider time,
    ILogger<DemoFleet> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (!(o.Enabled ?? environment.IsDevelopment()))
        {
            return;
        }

        try
        {
            await WhenStarted(stoppingToken);
            await model.WhenReady.WaitAsync(stoppingToken);
            var address = LoopbackHttpAddress() ?? throw new InvalidOperationException("the server has no plain-HTTP listener for the demo devices");
            var runs = new List<Task>();
            foreach (var (fleet, spec) in o.Fleets.Where(f => (f.Value.Devices ?? o.Devices) > 0))
            {
                runs.Add(RunFleetAsync(address, fleet, spec, spec.Devices ?? o.Devices, o.Rate, stoppingToken));
            }

            logger.LogInformation("Demo fleets {Fleets} posting to {Address}. Open {Address} and sign in as admin (README: Two commands)",
                string.Join(", ", o.Fleets.Keys), address, address);
            await Task.WhenAll(runs);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "The demo fleet stopped; the server itself is unaffected");
        }
    }

    private async Task RunFleetAsync(Uri address, string fleet, DemoFleetOptions spec, int devices, double rate, CancellationToken stoppingToken)
    {
        try
        {
            if (!ModelReference.TryParse(spec.Tiny, out var tinyRef) || tinyRef.Version is null)
                throw new InvalidOperationException($"Demo:Fleets:{fleet}:Tiny must be name@version, got '{spec.Tiny}'");
            var samples = LoadSamples(spec.Data);
            var keys = await RegisterAsync(fleet, spec, devices, stoppingToken);
            using var tiny = OnnxClassifier.Load(repository.OnnxPath(tinyRef.Name, tinyRef.Version),
                repository.Card(tinyRef.Name, tinyRef.Version), intraOpThreads: 1);
            if (samples.MismatchWith(tiny.Signature) is { } mismatch)
                throw new InvalidOperationException($"Demo:Fleets:{fleet}:Data: {mismatch}");
            logger.LogInformation("Demo fleet '{Fleet}' ({Tiny} / {Large}): {Devices} devices × {Rate}/s", fleet, spec.Tiny, spec.Large, devices, rate);
            await Task.WhenAll(keys.Select((key, i) => RunDeviceAsync(address, key, tiny, samples, i, rate, stoppingToken)));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Demo fleet '{Fleet}' stopped; the server and the other demo fleets are unaffected", fleet);
        }
    }

    private async Task RunDeviceAsync(Uri address, string key, OnnxClassifier tiny, LabelledSamples samples, int index, double rate,
        CancellationToken stoppingToken)
    {
        await using var device = new HiDeviceClient(new HiDeviceOptions
        {
            ServerUri = address,
            DeviceKey = key,
            Model = tiny,
            TimeProvider = time,
            InitialTelemetryInterval = TimeSpan.FromSeconds(2),
        });
        await device.StartAsync(stoppingToken);
        var order = Enumerable.Range(0, samples.Count).ToArray();
        new Random(index).Shuffle(order);
        var period = TimeSpan.FromSeconds(1 / rate);
        using var timer = new PeriodicTimer(period, time);
        for (var n = 0; await timer.WaitForNextTickAsync(stoppingToken); n++)
        {
            var i = order[n % order.Length];
            try
            {
                await device.ProcessAsync(samples.Sample(i).ToArray(), samples.Label(i), cancellationToken: stoppingToken);
            }
            catch (HiDeviceException ex)
            {
                logger.LogDebug(ex, "Demo device {Index}: {Kind}", index, ex.Kind);
            }
        }
    }

    /// <summary>Creates a demo fleet and its devices on first use; keys are new each start (only hashes are stored).</summary>
    private async Task<List<string>> RegisterAsync(string fleet, DemoFleetOptions spec, int devices, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        if (!await db.Fleets.AnyAsync(f => f.Name == fleet, cancellationToken))
        {
            db.Fleets.Add(new Fleet
            {
                Name = fleet,
                CreatedAt = now,
                Config = ConfigValues.FleetDefaults with
                {
                    TelemetryIntervalSeconds = 2,
                    Threshold = spec.Threshold ?? ConfigValues.FleetDefaults.Threshold,
                },
                TinyModel = spec.Tiny,
                LargeModel = spec.Large,
            });
        }

        var existing = await db.Devices.Where(d => d.Fleet == fleet && d.RevokedAt == null).OrderBy(d => d.Name)
            .Include(d => d.Keys).ToListAsync(cancellationToken);
        var keys = new List<string>();
        for (var i = 0; i < devices; i++)
        {
            var (key, keyId, hash) = DeviceKeyFormat.Generate();
            var name = $"{fleet}-{i + 1:D3}";
            var device = existing.FirstOrDefault(d => d.Name == name);
            if (device is null)
            {
                device = new Devices.Device { Id = DeviceKeyFormat.NewDeviceId(), Name = name, Fleet = fleet, CreatedAt = now };
                db.Devices.Add(device);
            }

            foreach (var old in device.Keys.Where(k => k.RevokedAt == null))
            {
                old.RevokedAt = now;
            }

            device.Keys.Add(new DeviceKey { DeviceId = device.Id, KeyId = keyId, SecretHash = hash, CreatedAt = now });
            keys.Add(key);
        }

        await db.SaveChangesAsync(cancellationToken);
        return keys;
    }

    private static LabelledSamples LoadSamples(string data)
    {
        if (data != DemoFleetOptions.FashionMnist)
        {
            return LabelledData.Load(new LabelledDataSource(Path.GetFullPath(data, AppContext.BaseDirectory)));
        }

        // Debian's full test set when installed; otherwise the 1,000 bundled images.
        var directory = File.Exists(Path.Combine(FashionMnist.DefaultDirectory, "t10k-images-idx3-ubyte.gz"))
            ? FashionMnist.DefaultDirectory
            : Path.Combine(AppContext.BaseDirectory, "models", "demo");
        return FashionMnist.Load(FashionMnistSplit.Test, directory);
    }

    private Uri? LoopbackHttpAddress() =>
        server.Features.Get<IServerAddressesFeature>()?.Addresses
            .Where(a => a.StartsWith("http://", StringComparison.Ordinal))
            .Select(a => new Uri(a.Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal).Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal)))
            .FirstOrDefault();

    private Task WhenStarted(CancellationToken cancellationToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        return started.Task.WaitAsync(cancellationToken);
    }
}
