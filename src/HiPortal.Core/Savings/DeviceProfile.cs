namespace HiPortal.Core.Savings;

/// <summary>Link and energy figures of an edge device, the inputs to <see cref="SavingsModel"/>.</summary>
/// <param name="Name">Profile key, e.g. "esp32-wifi".</param>
/// <param name="UplinkBytesPerSecond">Effective application-level uplink throughput.</param>
/// <param name="DownlinkBytesPerSecond">Effective application-level downlink throughput.</param>
/// <param name="JoulesPerByteSent">Radio energy per payload byte while transmitting.</param>
/// <param name="JoulesPerTransmission">Fixed energy per offload (radio wake-up, connection, tail).</param>
/// <param name="JoulesPerLocalInference">Energy of one tiny-model inference on the device.</param>
/// <param name="LocalInferenceSeconds">Duration of one tiny-model inference on the device.</param>
/// <param name="NetworkRoundTripSeconds">Round-trip time to the server, excluding payload transfer.</param>
/// <param name="Source">Where the figures come from, for display next to any estimate built on them.</param>
public sealed record DeviceProfile(
    string Name,
    double UplinkBytesPerSecond,
    double DownlinkBytesPerSecond,
    double JoulesPerByteSent,
    double JoulesPerTransmission,
    double JoulesPerLocalInference,
    double LocalInferenceSeconds,
    double NetworkRoundTripSeconds,
    string Source);
