using System.CommandLine;
using HiPortal.Cli.Common;
using HiPortal.Core.Savings;
using Spectre.Console;

namespace HiPortal.Cli.Simulate;

/// <summary><c>hiportal simulate</c>: a fleet of virtual devices replaying labelled samples (default Fashion-MNIST's test split) through the device SDK.</summary>
public static class SimulateCommand
{
    public static Command Create()
    {
        var server = new Option<string>("--server") { Description = "HiPortal server URL, e.g. https://localhost:5001", Required = true };
        var devices = new Option<int>("--devices") { Description = "Virtual devices", DefaultValueFactory = _ => 10 };
        var rate = new Option<double>("--rate") { Description = "Samples per second per device", DefaultValueFactory = _ => 5 };
        var duration = new Option<double?>("--duration") { Description = "Seconds to run (default 30 unless --samples is given)" };
        var samples = new Option<int?>("--samples") { Description = "Stop after this many samples in total" };
        var keyFile = new Option<string?>("--key-file") { Description = "Device keys, one 'deviceId key' per line; written here after registering" };
        var adminUser = new Option<string>("--admin-user") { Description = "Admin user for registering devices", DefaultValueFactory = _ => "admin" };
        var adminPassword = new Option<string?>("--admin-password") { Description = "Register the devices through the admin API with this password" };
        var drift = new Option<DriftKind>("--drift") { Description = "Sensor drift: noise or brightness rising over the run; noisestep or brightnessstep at half strength from half-way (what the drift detector is tested on); speedstep (20 % slower machine) or loadstep (heavier load) from half-way for the vibration pair; none", DefaultValueFactory = _ => DriftKind.None };
        var fleet = new Option<string>("--fleet") { Description = "Fleet of registered devices (created if missing)", DefaultValueFactory = _ => "default" };
        var insecure = new Option<bool>("--insecure") { Description = "Accept any server certificate (test rigs only)" };
        var pin = new Option<string?>("--cert-sha256") { Description = "Pin the server's self-signed certificate by its SHA-256 (logged at server start)" };
        var output = new Option<string>("--out") { Description = "JSON report path", DefaultValueFactory = _ => "artifacts/simulation/simulation.json" };
        var data = new DataOptions();
        var profile = new Option<string>("--profile") { Description = "Device profile: " + string.Join(", ", DeviceProfiles.All.Select(p => p.Name)), DefaultValueFactory = _ => "esp32-wifi" };
        var buffer = new Option<int>("--buffer") { Description = "Offline buffer per device (offloads)", DefaultValueFactory = _ => 256 };
        var drainTimeout = new Option<double>("--drain-timeout") { Description = "Seconds to wait at the end for buffered offloads", DefaultValueFactory = _ => 30 };
        var seed = new Option<int>("--seed") { Description = "Shuffle and drift seed", DefaultValueFactory = _ => 42 };
        server.Validators.Add(r =>
        {
            if (!Uri.TryCreate(r.GetValueOrDefault<string>(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                r.AddError("--server must be an absolute http(s) URL");
        });
        devices.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) { r.AddError("--devices must be at least 1"); } });
        rate.Validators.Add(r => { if (r.GetValueOrDefault<double>() is not (> 0 and <= 10_000)) { r.AddError("--rate must be in (0, 10000] samples/s"); } });
        duration.Validators.Add(r => { if (r.GetValueOrDefault<double?>() is not (null or > 0)) { r.AddError("--duration must be positive"); } });
        samples.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 1) { r.AddError("--samples must be at least 1"); } });
        buffer.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 0) { r.AddError("--buffer must not be negative"); } });
        drainTimeout.Validators.Add(r => { if (r.GetValueOrDefault<double>() is not >= 0) { r.AddError("--drain-timeout must not be negative"); } });

        var command = new Command("simulate", "Run a fleet of virtual devices against a server and compare with the offline evaluation")
        {
            server, devices, rate, duration, samples, keyFile, adminUser, adminPassword, drift, fleet, insecure, pin, output,
            profile, buffer, drainTimeout, seed,
        };
        foreach (var option in data.All(withCalibration: false))
            command.Options.Add(option);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var seconds = parse.GetValue(duration) ?? (parse.GetValue(samples) is null ? 30 : null);
            var settings = new SimulationSettings(
                WithSlash(new Uri(parse.GetValue(server)!)), parse.GetValue(devices), parse.GetValue(rate),
                seconds is { } s ? TimeSpan.FromSeconds(s) : null, parse.GetValue(samples), parse.GetValue(keyFile),
                parse.GetValue(adminUser)!, parse.GetValue(adminPassword), parse.GetValue(drift), parse.GetValue(fleet)!,
                parse.GetValue(insecure), parse.GetValue(pin), parse.GetValue(output)!, data.Read(parse),
                parse.GetValue(profile)!, parse.GetValue(buffer), TimeSpan.FromSeconds(parse.GetValue(drainTimeout)), parse.GetValue(seed));
            try
            {
                await FleetSimulation.RunAsync(settings, cancellationToken);
                return 0;
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException
                or HttpRequestException or FormatException)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {ex.Message}");
                return 2;
            }
        });
        return command;
    }

    /// <summary>A base address without a trailing slash would drop its last path segment from relative requests.</summary>
    private static Uri WithSlash(Uri uri) => uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
}
