using HiPortal.Client;
using HiPortal.Contracts;
using Spectre.Console;

namespace HiPortal.Cli.Simulate;

/// <summary>A simulated device's identity.</summary>
public sealed record SimulatedDevice(string DeviceId, string Key);

/// <summary>
/// Where the virtual devices' keys come from: a key file (one "deviceId key" or "key" per line), or registration
/// through the admin API (and then written to the key file, when one was named, for the next run).
/// </summary>
public static class DeviceKeys
{
    public static async Task<IReadOnlyList<SimulatedDevice>> ObtainAsync(SimulationSettings settings, HttpMessageHandler network,
        CancellationToken cancellationToken)
    {
        if (settings.KeyFile is { } file && File.Exists(file))
        {
            var keys = Read(file);
            if (keys.Count < settings.Devices)
                throw new ArgumentException($"{file} holds {keys.Count} device keys; --devices asks for {settings.Devices}.");
            AnsiConsole.MarkupLineInterpolated($"[grey]{settings.Devices} device keys from {file}[/]");
            return keys.Take(settings.Devices).ToList();
        }

        if (settings.AdminPassword is null)
            throw new ArgumentException("Give --key-file (an existing file of device keys) or --admin-password (to register devices).");

        var devices = await RegisterAsync(settings, network, cancellationToken);
        if (settings.KeyFile is { } target)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(target))!);
            await File.WriteAllLinesAsync(target, devices.Select(d => $"{d.DeviceId} {d.Key}"), cancellationToken);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            AnsiConsole.MarkupLineInterpolated($"[grey]device keys written to {target}[/]");
        }

        return devices;
    }

    private static List<SimulatedDevice> Read(string file) => File.ReadLines(file)
        .Select(line => line.Trim())
        .Where(line => line.Length > 0 && !line.StartsWith('#'))
        .Select(line => line.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        .Select(parts => parts.Length == 2 ? new SimulatedDevice(parts[0], parts[1]) : new SimulatedDevice("?", parts[0]))
        .ToList();

    private static async Task<List<SimulatedDevice>> RegisterAsync(SimulationSettings settings, HttpMessageHandler network,
        CancellationToken cancellationToken)
    {
        using var admin = new HiPortalClient(settings.Server, network, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(30) };
        await admin.SignInAsync(settings.AdminUser, settings.AdminPassword!, cancellationToken);
        await admin.EnsureFleetAsync(new CreateFleetRequest(settings.Fleet, DeviceProfile: settings.Profile), cancellationToken);

        var run = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);
        var devices = new List<SimulatedDevice>();
        for (var i = 0; i < settings.Devices; i++)
        {
            var created = await admin.RegisterDeviceAsync($"sim-{run}-{i:000}", settings.Fleet, cancellationToken);
            devices.Add(new SimulatedDevice(created.DeviceId, created.Key));
        }

        AnsiConsole.MarkupLineInterpolated($"[grey]registered {devices.Count} devices in fleet '{settings.Fleet}'[/]");
        return devices;
    }
}
