using HiPortal.Server.Devices;
using HiPortal.Server.Fleets;

namespace HiPortal.Server.RemoteConfig;

/// <summary>What a device should run: its decision rule and threshold, and how often it reports telemetry.</summary>
public sealed record DeviceConfiguration(string Rule, double Threshold, double[]? Coefficients, int TelemetryIntervalSeconds)
{
    /// <summary>The effective configuration: the device's overrides over its fleet's desired configuration.</summary>
    public static DeviceConfiguration Effective(Fleet fleet, Device device) => new(
        device.OverrideRule ?? fleet.Rule,
        device.OverrideThreshold ?? fleet.Threshold,
        device.OverrideLrBias is { } b ? [b, device.OverrideLrW1 ?? 0, device.OverrideLrW2 ?? 0]
            : fleet.LrBias is { } fb ? [fb, fleet.LrW1 ?? 0, fleet.LrW2 ?? 0] : null,
        device.OverrideTelemetryIntervalSeconds ?? fleet.TelemetryIntervalSeconds);

    public static DeviceConfiguration Desired(Fleet fleet) => new(
        fleet.Rule, fleet.Threshold, fleet.LrBias is { } b ? [b, fleet.LrW1 ?? 0, fleet.LrW2 ?? 0] : null,
        fleet.TelemetryIntervalSeconds);

    public bool SameAs(DeviceConfiguration other) =>
        Rule == other.Rule && Threshold.Equals(other.Threshold) && TelemetryIntervalSeconds == other.TelemetryIntervalSeconds &&
        (Coefficients ?? []).AsSpan().SequenceEqual(other.Coefficients ?? []);
}

