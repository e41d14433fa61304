using HiPortal.Core.Savings;
using HiPortal.Server.Ingest;

namespace HiPortal.Server.Fleets;

public static class FleetNames
{
    public const string Rule = "fleet names are 1 to 64 characters of letters, digits, '-', '_' or '.'";

    public static bool IsValid(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}

public static class FleetSettingsValidation
{
    public static FieldError? Validate(FleetSettingsRequest request) => request switch
    {
        { RateLimitPerSecond: { } r } when !double.IsFinite(r) || r <= 0 || r > 100_000 =>
            new FieldError("rateLimitPerSecond", "must be a number in (0, 100000]"),
        { RateLimitBurst: { } b } when b < 1 || b > 1_000_000 => new FieldError("rateLimitBurst", "must be between 1 and 1000000"),
        { DeviceProfile: { } p } when !DeviceProfiles.All.Any(d => d.Name == p) =>
            new FieldError("deviceProfile", $"unknown profile; known: {string.Join(", ", DeviceProfiles.All.Select(d => d.Name))}"),
        { AutoThresholdMin: { } min } when !double.IsFinite(min) || min < 0 || min > 1 => new FieldError("autoThresholdMin", "must be in [0, 1]"),
        { AutoThresholdMax: { } max } when !double.IsFinite(max) || max < 0 || max > 1 => new FieldError("autoThresholdMax", "must be in [0, 1]"),
        { Reason.Length: > 500 } => new FieldError("reason", "at most 500 characters"),
        _ => null,
    };
}
