using System.Globalization;
using System.Text.Json;

namespace HiPortal.DeviceSdk.Tests.EndToEnd;

/// <summary>The acceptance tests' admin steps: a fleet at θ with its devices, and the stats API's totals for it.</summary>
public static class AcceptanceFleet
{
    /// <summary>Creates <paramref name="fleet"/> with its θ (and telemetry interval) and registers its devices.</summary>
    public static async Task<IReadOnlyList<(string DeviceId, string Key)>> CreateFleetAsync(this HiPortalHost server, string fleet,
        double threshold, int devices, int telemetryIntervalSeconds = 10)
    {
        using var admin = await server.CreateAdminAsync();
        await admin.CreateFleetAsync(new CreateFleetRequest(fleet, Threshold: threshold, TelemetryIntervalSeconds: telemetryIntervalSeconds));
        var registered = new List<(string, string)>();
        for (var i = 0; i < devices; i++)
        {
            var device = await admin.RegisterDeviceAsync($"{fleet}-{i:00}", fleet);
            registered.Add((device.DeviceId, device.Key));
        }

        return registered;
    }

    /// <summary>The stats API's totals for <paramref name="fleet"/> over the last hour up to a minute ahead.</summary>
    public static async Task<JsonElement> FleetTotalsAsync(this HiPortalHost server, string fleet)
    {
        using var admin = await server.CreateAdminAsync();
        var now = DateTimeOffset.UtcNow;
        var from = Uri.EscapeDataString(now.AddHours(-1).ToString("O", CultureInfo.InvariantCulture));
        var to = Uri.EscapeDataString(now.AddMinutes(1).ToString("O", CultureInfo.InvariantCulture));
        return (await admin.FleetStatsAsync(fleet, $"from={from}&to={to}&bucketSeconds=600")).GetProperty("totals");
    }
}
