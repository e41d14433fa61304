namespace HiPortal.Core.Savings;

/// <summary>First-order model of what HI saves against offloading every sample to the large model.</summary>
/// <remarks>
/// Offloading a sample takes t_up = B/uplink + RTT/2, the server's queueing and inference time, and
/// t_down = response/downlink + RTT/2. HI always runs the tiny model and offloads a fraction f of samples.
/// Energy counts what the device spends transmitting (a fixed per-transmission cost plus a per-byte cost)
/// and computing; receiving the response is not modelled, because it is small against the sample upload.
/// </remarks>
public static class SavingsModel
{
    public static SavingsEstimate Estimate(
        double offloadFraction,
        int sampleBytes,
        int responseBytes,
        DeviceProfile profile,
        double serverQueueSeconds,
        double serverInferenceSeconds)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (!(offloadFraction >= 0 && offloadFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(offloadFraction), offloadFraction, "The offload fraction must lie in [0, 1].");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(responseBytes);
        RequireNonNegative(serverQueueSeconds, nameof(serverQueueSeconds));
        RequireNonNegative(serverInferenceSeconds, nameof(serverInferenceSeconds));
        if (!(profile.UplinkBytesPerSecond > 0) || !(profile.DownlinkBytesPerSecond > 0))
            throw new ArgumentException($"Profile '{profile.Name}' needs positive uplink and downlink throughput.", nameof(profile));

        var f = offloadFraction;
        var halfRtt = profile.NetworkRoundTripSeconds / 2;
        var up = (sampleBytes / profile.UplinkBytesPerSecond) + halfRtt;
        var down = (responseBytes / profile.DownlinkBytesPerSecond) + halfRtt;
        var fullOffloadLatency = up + serverQueueSeconds + serverInferenceSeconds + down;
        var hiLatency = profile.LocalInferenceSeconds + (f * fullOffloadLatency);

        var transmitEnergy = profile.JoulesPerTransmission + (sampleBytes * profile.JoulesPerByteSent);
        var hiEnergy = profile.JoulesPerLocalInference + (f * transmitEnergy);

        return new SavingsEstimate(
            OffloadFraction: f,
            BytesSentFullOffload: sampleBytes,
            BytesSentHi: f * sampleBytes,
            BandwidthSavedFraction: 1 - f,
            LatencyOnDeviceSeconds: profile.LocalInferenceSeconds,
            LatencyFullOffloadSeconds: fullOffloadLatency,
            LatencyHiSeconds: hiLatency,
            LatencySavedFraction: 1 - (hiLatency / fullOffloadLatency),
            EnergyFullOffloadJoules: transmitEnergy,
            EnergyHiJoules: hiEnergy,
            EnergySavedFraction: transmitEnergy > 0 ? 1 - (hiEnergy / transmitEnergy) : 0);
    }

    private static void RequireNonNegative(double value, string name)
    {
        if (!(value >= 0) || !double.IsFinite(value))
            throw new ArgumentOutOfRangeException(name, value, "Must be a finite number ≥ 0.");
    }
}
