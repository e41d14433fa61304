using System.Text.Json;
using HiPortal.Contracts;

namespace HiPortal.Client;

/// <summary>Fleets and devices, as an admin (writes) or an operator (reads) sees them.</summary>
public partial class HiPortalClient
{
    /// <summary>POST /fleets; the created fleet.</summary>
    public Task<JsonElement> CreateFleetAsync(CreateFleetRequest request, CancellationToken cancellationToken = default) =>
        SendJsonAsync(HttpMethod.Post, Routes.Fleets, request, cancellationToken);

    public Task<JsonElement> CreateFleetAsync(string name, CancellationToken cancellationToken = default) =>
        CreateFleetAsync(new CreateFleetRequest(name), cancellationToken);

    /// <summary>Creates the fleet unless it exists (a 409 means another caller made it); "default" always exists.</summary>
    public async Task EnsureFleetAsync(CreateFleetRequest request, CancellationToken cancellationToken = default)
    {
        if (request.Name == "default")
        {
            return;
        }

        try
        {
            await CreateFleetAsync(request, cancellationToken);
        }
        catch (HiPortalApiException ex) when (IsConflict(ex))
        {
            // Already there.
        }
    }

    public Task<JsonElement> GetFleetAsync(string name, CancellationToken cancellationToken = default) =>
        GetJsonAsync(Routes.Fleet(name), cancellationToken);

    public Task<JsonElement> ListFleetsAsync(CancellationToken cancellationToken = default) => GetJsonAsync(Routes.Fleets, cancellationToken);

    /// <summary>PUT /fleets/{name}/config; the change result (before, after, devicesBumped).</summary>
    public Task<JsonElement> ChangeFleetConfigAsync(string fleet, ConfigChange change, CancellationToken cancellationToken = default) =>
        SendJsonAsync(HttpMethod.Put, Routes.FleetConfig(fleet), change, cancellationToken);

    public Task<JsonElement> ChangeFleetSettingsAsync(string fleet, FleetSettingsRequest settings, CancellationToken cancellationToken = default) =>
        SendJsonAsync(HttpMethod.Put, Routes.FleetSettings(fleet), settings, cancellationToken);

    /// <summary>POST /devices: registers a device and returns its first key (shown once).</summary>
    public Task<CreatedDevice> RegisterDeviceAsync(string name, string fleet, CancellationToken cancellationToken = default) =>
        PostAsync(Routes.Devices, new CreateDeviceRequest(name, fleet), ContractsJson.Default.CreateDeviceRequest,
            ContractsJson.Default.CreatedDevice, cancellationToken);

    /// <summary>GET /devices/{id}: the detail (device row, effective config, overrides, keys).</summary>
    public Task<JsonElement> GetDeviceAsync(string deviceId, CancellationToken cancellationToken = default) =>
        GetJsonAsync(Routes.Device(deviceId), cancellationToken);

    /// <summary>The device's desired configuration version, as the admin API reports it.</summary>
    public async Task<long> VersionAsync(string deviceId, CancellationToken cancellationToken = default) =>
        (await GetDeviceAsync(deviceId, cancellationToken)).GetProperty("device").GetProperty("configVersion").GetInt64();

    /// <summary>GET /devices with a query string; the page (total, items).</summary>
    public Task<JsonElement> ListDevicesAsync(string query = "", CancellationToken cancellationToken = default) =>
        GetJsonAsync($"{Routes.Devices}?{query}", cancellationToken);

    public async Task<List<string>> DeviceIdsAsync(string query = "", CancellationToken cancellationToken = default) =>
        (await ListDevicesAsync(query, cancellationToken)).GetProperty("items").EnumerateArray()
            .Select(d => d.GetProperty("deviceId").GetString()!).ToList();

    public Task<JsonElement> SetOverrideAsync(string deviceId, ConfigChange change, CancellationToken cancellationToken = default) =>
        SendJsonAsync(HttpMethod.Put, Routes.DeviceConfig(deviceId), change, cancellationToken);

    public Task<JsonElement> ClearOverrideAsync(string deviceId, CancellationToken cancellationToken = default) =>
        SendJsonAsync(HttpMethod.Delete, Routes.DeviceConfig(deviceId), null, cancellationToken);

    /// <summary>POST /devices/{id}/keys: a new key beside the old ones.</summary>
    public Task<RotatedKey> RotateKeyAsync(string deviceId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, Routes.DeviceKeys(deviceId), null, ContractsJson.Default.RotatedKey, cancellationToken);

    /// <summary>DELETE /devices/{id}/keys/{keyId}: that key stops working at once; the others stay.</summary>
    public Task RevokeKeyAsync(string deviceId, string keyId, CancellationToken cancellationToken = default) =>
        SendJsonAsync(HttpMethod.Delete, Routes.DeviceKey(deviceId, keyId), null, cancellationToken);

    /// <summary>POST /devices/{id}/revoke: every key of the device stops working.</summary>
    public Task RevokeDeviceAsync(string deviceId, CancellationToken cancellationToken = default) =>
        SendJsonAsync(HttpMethod.Post, $"{Routes.Device(deviceId)}/revoke", null, cancellationToken);
}
