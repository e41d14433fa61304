using HiPortal.Core.Decisions;

namespace HiPortal.Server.RemoteConfig;

/// <summary>
/// The configuration a fleet has and a device may override: decision rule, threshold, top-2 LR coefficients and
/// telemetry interval and exploration rate ε, stored once as an EF complex type on both (<c>Fleet.Config</c>, <c>Device.Overrides</c>).
/// On a fleet every field is set; on a device a null field inherits the fleet's. Immutable, so a change is a new
/// value and EF sees exactly the fields that moved.
/// </summary>
public sealed record ConfigValues(
    string? Rule = null,
    double? Threshold = null,
    double? LrBias = null,
    double? LrW1 = null,
    double? LrW2 = null,
    int? TelemetryIntervalSeconds = null,
    double? ExplorationRate = null)
{
    /// <summary>What a new fleet runs until told otherwise.</summary>
    public static readonly ConfigValues FleetDefaults = new(OffloadRules.MaxSoftmax, 0.65, TelemetryIntervalSeconds: 10);

    public static readonly ConfigValues None = new();

    public bool IsEmpty => this == None;

    /// <summary>Top-2 LR coefficients (bias, w1, w2), or null when not set; the three are set and inherited together.</summary>
    public double[]? Coefficients() => LrBias is { } b ? [b, LrW1 ?? 0, LrW2 ?? 0] : null;

    /// <summary>
    /// The one way a configuration changes, for fleets and device overrides alike: the fields the change gives
    /// (rule names normalised to their canonical spelling) over these.
    /// </summary>
    public ConfigValues With(ConfigChange change) => From(change).Over(this);

    /// <summary>These values where set, <paramref name="lower"/>'s elsewhere (a device's overrides over its fleet's).</summary>
    public ConfigValues Over(ConfigValues lower) => new(
        Rule ?? lower.Rule,
        Threshold ?? lower.Threshold,
        LrBias is null ? lower.LrBias : LrBias,
        LrBias is null ? lower.LrW1 : LrW1,
        LrBias is null ? lower.LrW2 : LrW2,
        TelemetryIntervalSeconds ?? lower.TelemetryIntervalSeconds,
        ExplorationRate ?? lower.ExplorationRate);

    /// <summary>The configuration a device runs; these values must be complete (a fleet's, or overrides over one).</summary>
    public DeviceConfiguration Resolve() => new(
        Rule ?? throw Incomplete(nameof(Rule)),
        Threshold ?? throw Incomplete(nameof(Threshold)),
        Coefficients(),
        TelemetryIntervalSeconds ?? throw Incomplete(nameof(TelemetryIntervalSeconds)),
        ExplorationRate ?? 0); // fleets made before exploration existed explore nothing

    /// <summary>The overrides as the API and the audit log show them.</summary>
    public object Describe() => new { rule = Rule, threshold = Threshold, coefficients = Coefficients(), telemetryIntervalSeconds = TelemetryIntervalSeconds, explorationRate = ExplorationRate };

    private static ConfigValues From(ConfigChange change) => new(
        change.Rule is { } rule ? OffloadRules.KnownNames.First(k => string.Equals(k, rule, StringComparison.OrdinalIgnoreCase)) : null,
        change.Threshold,
        change.Coefficients?[0],
        change.Coefficients?[1],
        change.Coefficients?[2],
        change.TelemetryIntervalSeconds,
        change.ExplorationRate);

    private static InvalidOperationException Incomplete(string field) => new($"configuration has no {field}: it is not a fleet's");
}
