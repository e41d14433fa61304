using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
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
        using var admin = new HttpClient(network, disposeHandler: false) { BaseAddress = settings.Server, Timeout = TimeSpan.FromSeconds(30) };
        using (var login = await admin.PostAsJsonAsync("api/v1/auth/token",
                   new { username = settings.AdminUser, password = settings.AdminPassword }, cancellationToken))
        {
            await EnsureAsync(login, "sign in as admin", cancellationToken);
            var token = (await login.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("token").GetString();
            admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (settings.Fleet != "default")
        {
            using var fleet = await admin.PostAsJsonAsync("api/v1/admin/fleets", new { name = settings.Fleet, deviceProfile = settings.Profile },
                cancellationToken);
            if (fleet.StatusCode != System.Net.HttpStatusCode.Conflict)
                await EnsureAsync(fleet, $"create fleet '{settings.Fleet}'", cancellationToken);
        }

        var run = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);
        var devices = new List<SimulatedDevice>();
        for (var i = 0; i < settings.Devices; i++)
        {
            using var created = await admin.PostAsJsonAsync("api/v1/admin/devices",
                new { name = $"sim-{run}-{i:000}", fleet = settings.Fleet }, cancellationToken);
            await EnsureAsync(created, "register a device", cancellationToken);
            var body = await created.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            devices.Add(new SimulatedDevice(body.GetProperty("deviceId").GetString()!, body.GetProperty("key").GetString()!));
        }

        AnsiConsole.MarkupLineInterpolated($"[grey]registered {devices.Count} devices in fleet '{settings.Fleet}'[/]");
        return devices;
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
            return;
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        throw new HttpRequestException($"could not {what}: {(int)response.StatusCode} {response.ReasonPhrase} {body}");
    }
}
