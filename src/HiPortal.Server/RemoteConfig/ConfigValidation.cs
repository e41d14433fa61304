using HiPortal.Core.Decisions;
using HiPortal.Server.Ingest;

namespace HiPortal.Server.RemoteConfig;

/// <summary>Checks a configuration change; a bad one is refused whole and changes nothing.</summary>
public static class ConfigValidation
{
    public const int MinTelemetrySeconds = 1;
    public const int MaxTelemetrySeconds = 3600;

    /// <summary>Exploration offloads cost β each; more than half the kept samples is no longer exploration.</summary>
    public const double MaxExplorationRate = 0.5;

    public static FieldError? Validate(ConfigChange change)
    {
        if (change.Threshold is { } t && (!double.IsFinite(t) || t < 0 || t > 1))
        {
            return new FieldError("threshold", "must be a number in [0, 1]");
        }

        if (change.Rule is { } rule && !OffloadRules.IsKnown(rule))
        {
            return new FieldError("rule", $"unknown rule '{rule}'; known: {string.Join(", ", OffloadRules.KnownNames)}");
        }

        if (change.Coefficients is { } c && (c.Length != 3 || c.Any(v => !double.IsFinite(v))))
        {
            return new FieldError("coefficients", "must be three finite numbers: bias, w1, w2 of the top-2 logistic rule");
        }

        if (change.TelemetryIntervalSeconds is { } s && (s < MinTelemetrySeconds || s > MaxTelemetrySeconds))
        {
            return new FieldError("telemetryIntervalSeconds", $"must be between {MinTelemetrySeconds} and {MaxTelemetrySeconds}");
        }

        if (change.ExplorationRate is { } e && (!double.IsFinite(e) || e < 0 || e > MaxExplorationRate))
        {
            return new FieldError("explorationRate", $"must be a number in [0, {MaxExplorationRate}]");
        }

        if (change.Reason is { Length: > 500 })
        {
            return new FieldError("reason", "at most 500 characters");
        }

        if (change is { Threshold: null, Rule: null, Coefficients: null, TelemetryIntervalSeconds: null, ExplorationRate: null })
        {
            return new FieldError("body", "nothing to change: give threshold, rule, coefficients, telemetryIntervalSeconds or explorationRate");
        }

        return null;
    }

    /// <summary>The merged result must be runnable: the top-2 LR rule needs its coefficients.</summary>
    public static FieldError? ValidateResult(DeviceConfiguration result) =>
        result.Rule == OffloadRules.Top2Logistic && result.Coefficients is null
            ? new FieldError("coefficients", "the top2-lr rule needs coefficients (bias, w1, w2)")
            : null;
}
