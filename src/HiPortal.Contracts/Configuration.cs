namespace HiPortal.Contracts;

/// <summary>GET /api/v1/config: what the device should run now (rule, θ and tiny model), at which version.</summary>
/// <param name="ExplorationRate">ε: offload this fraction of the samples the rule would keep, marked as exploration (0: none).</param>
public sealed record EffectiveConfigResponse(
    long Version,
    string Rule,
    double Threshold,
    double[]? Coefficients,
    int TelemetryIntervalSeconds,
    string Fleet,
    TinyModelRef? Model = null,
    double ExplorationRate = 0);

/// <summary>POST /api/v1/config/ack: the device applied (or rejected) a version.</summary>
public sealed record ConfigAck(long? Version, string? Status, string? Message = null);

public sealed record AckResponse(long Version, string Status, long ConfigVersion);

/// <summary>A change an admin asks for: only the fields given change. Used for fleets and device overrides.</summary>
public sealed record ConfigChange(
    double? Threshold = null,
    string? Rule = null,
    double[]? Coefficients = null,
    int? TelemetryIntervalSeconds = null,
    string? Reason = null,
    double? ExplorationRate = null);
