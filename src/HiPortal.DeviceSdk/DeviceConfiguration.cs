using HiPortal.Core.Decisions;

namespace HiPortal.DeviceSdk;

/// <summary>The configuration a device runs: which samples it offloads and how often it reports.</summary>
public sealed class DeviceConfiguration
{
    private DeviceConfiguration(long version, IOffloadRule rule, double threshold, IReadOnlyList<double>? coefficients,
        TimeSpan telemetryInterval, string? fleet, double explorationRate)
    {
        ExplorationRate = explorationRate;
        Version = version;
        OffloadRule = rule;
        Threshold = threshold;
        Coefficients = coefficients;
        TelemetryInterval = telemetryInterval;
        Fleet = fleet;
    }

    /// <summary>The server's configuration version; 0 until the first fetch.</summary>
    public long Version { get; }

    /// <summary>The decision rule built from the configuration (also usable offline to replay decisions).</summary>
    public IOffloadRule OffloadRule { get; }

    /// <summary>The rule's name: max-softmax or top2-lr.</summary>
    public string Rule => OffloadRule.Name;

    /// <summary>θ: the rule's threshold.</summary>
    public double Threshold { get; }

    /// <summary>[bias, w1, w2] for top2-lr; null otherwise.</summary>
    public IReadOnlyList<double>? Coefficients { get; }

    /// <summary>ε: the fraction of the samples the rule keeps that are offloaded anyway, as exploration offloads.</summary>
    public double ExplorationRate { get; }

    /// <summary>How often telemetry is reported.</summary>
    public TimeSpan TelemetryInterval { get; }

    /// <summary>The fleet the server places the device in; null before the first fetch.</summary>
    public string? Fleet { get; }

    /// <summary>Builds and checks a configuration.</summary>
    /// <exception cref="ArgumentException">The rule, threshold, coefficients or interval cannot run.</exception>
    public static DeviceConfiguration Create(long version, string rule, double threshold, IReadOnlyList<double>? coefficients,
        TimeSpan telemetryInterval, string? fleet = null, double explorationRate = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(rule);
        if (!(explorationRate >= 0 && explorationRate <= 1))
            throw new ArgumentException($"The exploration rate must lie in [0, 1]; got {explorationRate}.", nameof(explorationRate));
        if (telemetryInterval <= TimeSpan.Zero)
            throw new ArgumentException($"The telemetry interval must be positive; got {telemetryInterval}.", nameof(telemetryInterval));
        var offloadRule = OffloadRules.Create(rule, threshold, coefficients?.ToArray());
        return new DeviceConfiguration(version, offloadRule, threshold, coefficients?.ToArray(), telemetryInterval, fleet, explorationRate);
    }
}
