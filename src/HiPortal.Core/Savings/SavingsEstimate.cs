namespace HiPortal.Core.Savings;

/// <summary>Per-sample bandwidth, latency and energy of HI compared with offloading every sample.</summary>
/// <remarks>Latency and energy are expectations per sample; a saved fraction is negative when HI costs more.</remarks>
public sealed record SavingsEstimate(
    double OffloadFraction,
    double BytesSentFullOffload,
    double BytesSentHi,
    double BandwidthSavedFraction,
    double LatencyOnDeviceSeconds,
    double LatencyFullOffloadSeconds,
    double LatencyHiSeconds,
    double LatencySavedFraction,
    double EnergyFullOffloadJoules,
    double EnergyHiJoules,
    double EnergySavedFraction);
