using HiPortal.Server.Devices;
using HiPortal.Server.Fleets;

namespace HiPortal.Server.RemoteConfig;

/// <summary>
/// What a device should run, resolved from stored <see cref="ConfigValues"/>: its decision rule and threshold, and how
/// often it reports telemetry. The shape the API, the audit log and the config history show.
/// </summary>
/// <param name="ExplorationRate">ε: the fraction of the samples a device would keep that it offloads anyway, marked as exploration.</param>
public sealed record DeviceConfiguration(string Rule, double Threshold, double[]? Coefficients, int TelemetryIntervalSeconds,
    double ExplorationRate = 0)
{
    /// <summary>The effective configuration: the device's overrides over its fleet's desired configuration.</summary>
    public static DeviceConfiguration Effective(Fleet fleet, Device device) => device.Overrides.Over(fleet.Config).Resolve();

    public static DeviceConfiguration Desired(Fleet fleet) => fleet.Config.Resolve();

    public bool SameAs(DeviceConfiguration other) =>
        Rule == other.Rule && Threshold.Equals(other.Threshold) && TelemetryIntervalSeconds == other.TelemetryIntervalSeconds &&
        ExplorationRate.Equals(other.ExplorationRate) &&
        (Coefficients ?? []).AsSpan().SequenceEqual(other.Coefficients ?? []);
}

