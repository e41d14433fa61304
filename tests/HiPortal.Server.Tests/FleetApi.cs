using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace HiPortal.Server.Tests;

/// <summary>
/// The fleet-management API as the tests drive it: each helper checks the status it needs and hands back the JSON,
/// so a test reads as the steps an admin or a device takes.
/// </summary>
internal static class FleetApi
{
    /// <summary>A name no other test in the same server uses (fleets, devices and users share one database).</summary>
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("n")[..10]}";

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> CreateFleetAsync(this HttpClient admin, string name, object? config = null)
    {
        var body = JsonSerializer.SerializeToNode(config ?? new { }, JsonSerializerOptions.Web)!.AsObject();
        body["name"] = name;
        using var response = await admin.PostAsJsonAsync("/api/v1/admin/fleets", body);
        return await response.JsonAsync(HttpStatusCode.Created);
    }

    public static async Task<JsonElement> GetFleetAsync(this HttpClient reader, string name)
    {
        using var response = await reader.GetAsync($"/api/v1/admin/fleets/{name}");
        return await response.JsonAsync(HttpStatusCode.OK);
    }

    /// <summary>PUT /fleets/{name}/config; returns the change result (before, after, devicesBumped).</summary>
    public static async Task<JsonElement> ChangeFleetConfigAsync(this HttpClient admin, string fleet, object change)
    {
        using var response = await admin.PutAsJsonAsync($"/api/v1/admin/fleets/{fleet}/config", change);
        return await response.JsonAsync(HttpStatusCode.OK);
    }

    public static async Task<JsonElement> ChangeFleetSettingsAsync(this HttpClient admin, string fleet, object settings)
    {
        using var response = await admin.PutAsJsonAsync($"/api/v1/admin/fleets/{fleet}/settings", settings);
        return await response.JsonAsync(HttpStatusCode.OK);
    }

    public static async Task<JsonElement> SetOverrideAsync(this HttpClient admin, string deviceId, object change)
    {
        using var response = await admin.PutAsJsonAsync($"/api/v1/admin/devices/{deviceId}/config", change);
        return await response.JsonAsync(HttpStatusCode.OK);
    }

    public static async Task<JsonElement> ClearOverrideAsync(this HttpClient admin, string deviceId)
    {
        using var response = await admin.DeleteAsync($"/api/v1/admin/devices/{deviceId}/config");
        return await response.JsonAsync(HttpStatusCode.OK);
    }

    /// <summary>GET /devices/{id}: the detail (device row, effective config, overrides, keys).</summary>
    public static async Task<JsonElement> GetDeviceAsync(this HttpClient reader, string deviceId)
    {
        using var response = await reader.GetAsync($"/api/v1/admin/devices/{deviceId}");
        return await response.JsonAsync(HttpStatusCode.OK);
    }

    /// <summary>The device's desired configuration version, as the admin API reports it.</summary>
    public static async Task<long> VersionAsync(this HttpClient reader, string deviceId) =>
        (await reader.GetDeviceAsync(deviceId)).GetProperty("device").GetProperty("configVersion").GetInt64();

    /// <summary>GET /devices with a query string; returns the page (total, items).</summary>
    public static async Task<JsonElement> ListDevicesAsync(this HttpClient reader, string query)
    {
        using var response = await reader.GetAsync($"/api/v1/admin/devices?{query}");
        return await response.JsonAsync(HttpStatusCode.OK);
    }

    public static async Task<List<string>> DeviceIdsAsync(this HttpClient reader, string query) =>
        (await reader.ListDevicesAsync(query)).GetProperty("items").EnumerateArray()
            .Select(d => d.GetProperty("deviceId").GetString()!).ToList();

    /// <summary>GET /audit with a query string; returns the items, newest first.</summary>
    public static async Task<List<JsonElement>> AuditAsync(this HttpClient reader, string query)
    {
        using var response = await reader.GetAsync($"/api/v1/admin/audit?{query}");
        return (await response.JsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().ToList();
    }

    /// <summary>An audit row's old or new value, parsed from the JSON the server stored.</summary>
    public static JsonElement Value(this JsonElement auditRow, string property) =>
        JsonDocument.Parse(auditRow.GetProperty(property).GetString()!).RootElement.Clone();

    /// <summary>GET /api/v1/config as the device; returns the effective configuration.</summary>
    public static async Task<JsonElement> GetConfigAsync(this HttpClient device)
    {
        using var response = await device.GetAsync("/api/v1/config");
        return await response.JsonAsync(HttpStatusCode.OK);
    }

    public static async Task<JsonElement> AckAsync(this HttpClient device, long version, string status = "applied")
    {
        using var response = await device.PostAsJsonAsync("/api/v1/config/ack", new { version, status });
        return await response.JsonAsync(HttpStatusCode.OK);
    }

    /// <summary>Posts one labelled Fashion-MNIST offload and returns the server's answer.</summary>
    public static async Task<JsonElement> OffloadAsync(this HttpClient device, int image, string sampleId, double confidence = 0.42,
        int? localClass = null)
    {
        using var response = await device.PostAsJsonAsync("/api/v1/offloads", Samples.OffloadBody(image, sampleId, localClass, confidence));
        return await response.JsonAsync(HttpStatusCode.OK);
    }

    /// <summary>
    /// Posts <paramref name="count"/> labelled offloads with confidences spread over [0.05, 0.85) and, for every
    /// fourth sample, a local answer that is wrong, so both advice sources have something to learn from.
    /// </summary>
    public static async Task PostLabelledOffloadsAsync(this HttpClient device, int count, string prefix)
    {
        for (var i = 0; i < count; i++)
        {
            var label = Samples.Test.Label(i);
            int? local = i % 4 == 0 ? (label + 1) % 10 : null;
            await device.OffloadAsync(i, $"{prefix}-{i}", 0.05 + (0.8 * i / count), local);
        }
    }
}
