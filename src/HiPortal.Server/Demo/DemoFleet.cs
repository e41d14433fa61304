using HiPortal.Core.Data;
using HiPortal.Core.Inference;
using HiPortal.DeviceSdk;
using HiPortal.Server.Devices;
using HiPortal.Server.Fleets;
using HiPortal.Server.Inference;
using HiPortal.Server.Persistence;
using HiPortal.Server.RemoteConfig;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Demo;

/// <summary>
/// A small fleet of simulated devices inside the server process, so the dashboard moves the moment a newcomer
/// signs in. The devices are real clients: the device SDK, the tiny model, real HTTP to this server's own
/// loopback address, real keys; only the sensor is replaced by Fashion-MNIST test images (with labels).
/// </summary>
public sealed class DemoFleet(
    IOptions<DemoOptions> options,
    IHostEnvironment environment,
    IServer server,
    IHostApplicationLifetime lifetime,
    ModelHost model,
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
            var images = LoadImages();
            var keys = await RegisterAsync(o, stoppingToken);
            logger.LogInformation("Demo fleet '{Fleet}': {Devices} devices × {Rate}/s posting to {Address}. Open {Address} and sign in as admin (README: Two commands)",
                o.Fleet, o.Devices, o.Rate, address, address);
            using var tiny = OnnxClassifier.Load(ModelCard.LoadNamed("fashion-tiny").OnnxPath(), intraOpThreads: 1);
            await Task.WhenAll(keys.Select((key, i) => RunDeviceAsync(address, key, tiny, images, i, o.Rate, stoppingToken)));
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

    private async Task RunDeviceAsync(Uri address, string key, OnnxClassifier tiny, LabelledImages images, int index, double rate,
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
        var order = Enumerable.Range(0, images.Count).ToArray();
        new Random(index).Shuffle(order);
        var period = TimeSpan.FromSeconds(1 / rate);
        using var timer = new PeriodicTimer(period, time);
        for (var n = 0; await timer.WaitForNextTickAsync(stoppingToken); n++)
        {
            var i = order[n % order.Length];
            try
            {
                await device.ProcessAsync(images.Image(i).ToArray(), images.Label(i), cancellationToken: stoppingToken);
            }
            catch (HiDeviceException ex)
            {
                logger.LogDebug(ex, "Demo device {Index}: {Kind}", index, ex.Kind);
            }
        }
    }

    /// <summary>Creates the demo fleet and devices on first use; keys are new each start (only hashes are stored).</summary>
    private async Task<List<string>> RegisterAsync(DemoOptions o, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        if (!await db.Fleets.AnyAsync(f => f.Name == o.Fleet, cancellationToken))
        {
            db.Fleets.Add(new Fleet { Name = o.Fleet, CreatedAt = now, Config = ConfigValues.FleetDefaults with { TelemetryIntervalSeconds = 2 } });
        }

        var existing = await db.Devices.Where(d => d.Fleet == o.Fleet && d.RevokedAt == null).OrderBy(d => d.Name)
            .Include(d => d.Keys).ToListAsync(cancellationToken);
        var keys = new List<string>();
        for (var i = 0; i < o.Devices; i++)
        {
            var (key, keyId, hash) = DeviceKeyFormat.Generate();
            var name = $"demo-{i + 1:D3}";
            var device = existing.FirstOrDefault(d => d.Name == name);
            if (device is null)
            {
                device = new Devices.Device { Id = DeviceKeyFormat.NewDeviceId(), Name = name, Fleet = o.Fleet, CreatedAt = now };
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

    private static LabelledImages LoadImages()
    {
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
