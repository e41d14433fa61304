namespace HiPortal.Contracts;

public sealed record TokenRequest(string? Username, string? Password);

public sealed record TokenResponse(string Token, DateTimeOffset ExpiresAt, string Role);

public sealed record CreateUserRequest(string? Username, string? Password, string? Role);

public sealed record SetRoleRequest(string? Role);

public sealed record SetPasswordRequest(string? Password);

public sealed record SetDisabledRequest(bool? Disabled);

public sealed record UserView(int Id, string Username, string Role, DateTime CreatedAt);

public sealed record CreateDeviceRequest(string? Name, string? Fleet);

/// <summary>A registered device and its first key: the key is shown once and stored only hashed.</summary>
public sealed record CreatedDevice(string DeviceId, string Name, string Fleet, string Key, string KeyId);

public sealed record RotatedKey(string DeviceId, string Key, string KeyId, List<string> ActiveKeyIds);

public sealed record CreateFleetRequest(string? Name, double? Threshold = null, string? Rule = null, double[]? Coefficients = null,
    int? TelemetryIntervalSeconds = null, string? DeviceProfile = null, string? Reason = null);

/// <summary>Fleet settings other than the desired configuration: rate limit, device profile, auto-threshold policy.</summary>
/// <param name="OnlineLearner">The learner auto mode and advice use: hil-f, hil-n or hi-lcb-lite.</param>
/// <param name="MaxOffloadFraction">The most of its samples the fleet may offload, in (0, 1]; auto mode keeps θ under it.</param>
public sealed record FleetSettingsRequest(double? RateLimitPerSecond = null, int? RateLimitBurst = null, string? DeviceProfile = null,
    bool? AutoThreshold = null, double? AutoThresholdMin = null, double? AutoThresholdMax = null, string? Reason = null,
    string? OnlineLearner = null, double? MaxOffloadFraction = null);
