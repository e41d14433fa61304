using HiPortal.Core.Savings;
using HiPortal.Server.Ingest;

namespace HiPortal.Server.Fleets;

public static class FleetNames
{
    public const string Rule = "fleet names are 1 to 64 characters of letters, digits, '-', '_' or '.'";

    public static bool IsValid(string? name) => Identity.Names.FleetError(name) is null;
}

public static class FleetSettingsValidation
{
    public const double MinRatePerSecond = 0.001;

    public static FieldError? Validate(FleetSettingsRequest request) => request switch
    {
        // A floor, not just > 0: 1e-300 was accepted and made the limiter's Retry-After overflow.
        { RateLimitPerSecond: { } r } when !double.IsFinite(r) || r < MinRatePerSecond || r > 100_000 =>
            new FieldError("rateLimitPerSecond", $"must be a number in [{MinRatePerSecond}, 100000]"),
        { RateLimitBurst: { } b } when b < 1 || b > 1_000_000 => new FieldError("rateLimitBurst", "must be between 1 and 1000000"),
        { DeviceProfile: { } p } when !DeviceProfiles.All.Any(d => d.Name == p) =>
            new FieldError("deviceProfile", $"unknown profile; known: {string.Join(", ", DeviceProfiles.All.Select(d => d.Name))}"),
        { AutoThresholdMin: { } min } when !double.IsFinite(min) || min < 0 || min > 1 => new FieldError("autoThresholdMin", "must be in [0, 1]"),
        { AutoThresholdMax: { } max } when !double.IsFinite(max) || max < 0 || max > 1 => new FieldError("autoThresholdMax", "must be in [0, 1]"),
        { Reason.Length: > 500 } => new FieldError("reason", "at most 500 characters"),
        { OnlineLearner: { } l } when !Advice.FleetLearners.IsKnown(l) =>
            new FieldError("onlineLearner", $"unknown learner; known: {string.Join(", ", Advice.FleetLearners.Kinds)}"),
        { MaxOffloadFraction: { } f } when !double.IsFinite(f) || f <= 0 || f > 1 => new FieldError("maxOffloadFraction", "must be in (0, 1]"),
        _ => null,
    };
}
