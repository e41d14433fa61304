namespace HiPortal.Contracts;

/// <summary>The server's routes, so clients and the server cannot drift apart.</summary>
public static class Routes
{
    public const string Token = "/api/v1/auth/token";
    public const string Offloads = "/api/v1/offloads";
    public const string OffloadsBatch = "/api/v1/offloads/batch";
    public const string Telemetry = "/api/v1/telemetry";
    public const string Config = "/api/v1/config";
    public const string ConfigAck = "/api/v1/config/ack";
    public const string Users = "/api/v1/admin/users";
    public const string Fleets = "/api/v1/admin/fleets";
    public const string Devices = "/api/v1/admin/devices";
    public const string Advice = "/api/v1/admin/advice";
    public const string Audit = "/api/v1/admin/audit";
    public const string Stats = "/api/v1/stats";
    public const string Decisions = "/api/v1/decisions";
    public const string Models = "/api/v1/admin/models";
    public const string Alarms = "/api/v1/admin/alarms";
    public const string Rollouts = "/api/v1/admin/rollouts";
    public const string DeviceTagsBulk = "/api/v1/admin/devices/tags";
    public const string OpenInference = "/v2";
    public const string LiveHub = "/hubs/live";
    public const string Ready = "/health/ready";

    public static string Model(string name, string version) => $"{Models}/{Uri.EscapeDataString(name)}/{Uri.EscapeDataString(version)}";

    /// <summary>A tiny model's ONNX file for devices (device key; ETag = its sha256).</summary>
    public static string ModelFile(string name, string version) =>
        $"/api/v1/models/{Uri.EscapeDataString(name)}/{Uri.EscapeDataString(version)}/file";

    public static string FleetModels(string name) => $"{Fleet(name)}/models";

    public static string Fleet(string name) => $"{Fleets}/{Uri.EscapeDataString(name)}";

    public static string FleetConfig(string name) => $"{Fleet(name)}/config";

    public static string FleetSettings(string name) => $"{Fleet(name)}/settings";

    public static string Device(string deviceId) => $"{Devices}/{Uri.EscapeDataString(deviceId)}";

    public static string DeviceConfig(string deviceId) => $"{Device(deviceId)}/config";

    public static string DeviceTags(string deviceId) => $"{Device(deviceId)}/tags";

    public static string Rollout(long id) => $"{Rollouts}/{id}";

    /// <summary>A rollout action: pause, resume, promote or abort.</summary>
    public static string RolloutAction(long id, string action) => $"{Rollout(id)}/{action}";

    public static string DeviceKeys(string deviceId) => $"{Device(deviceId)}/keys";

    public static string DeviceKey(string deviceId, string keyId) => $"{DeviceKeys(deviceId)}/{Uri.EscapeDataString(keyId)}";

    public static string AlarmAcknowledge(long id) => $"{Alarms}/{id}/acknowledge";

    public static string User(string username) => $"{Users}/{Uri.EscapeDataString(username)}";

    public static string UserRole(string username) => $"{User(username)}/role";

    public static string UserPassword(string username) => $"{User(username)}/password";

    public static string UserDisabled(string username) => $"{User(username)}/disabled";

    public static string UserSignOut(string username) => $"{User(username)}/sign-out";
}
