namespace HiPortal.Core.Savings;

/// <summary>
/// Built-in device profiles. Currents and voltages are datasheet figures; throughputs, per-transmission
/// overheads, round trips and inference times are engineering estimates, marked as such, to be replaced by
/// measurements on the real device.
/// </summary>
public static class DeviceProfiles
{
    /// <summary>ESP32 on 802.11n Wi-Fi to an edge server on the same LAN.</summary>
    public static DeviceProfile Esp32Wifi { get; } = new(
        Name: "esp32-wifi",
        // Estimate: ~1 MB/s sustained TCP for small HTTP posts, well under ESP-IDF's ~20 Mbit/s iperf figure.
        UplinkBytesPerSecond: 1_000_000,
        DownlinkBytesPerSecond: 1_000_000,
        // ESP32 datasheet, RF power consumption: TX 802.11b at 19.5 dBm ≈ 240 mA at 3.3 V ≈ 0.79 W;
        // 0.79 W / 1 MB/s ≈ 0.79 µJ per byte.
        JoulesPerByteSent: 0.79e-6,
        // Estimate: radio active ~20 ms per request (power-save wake, TCP, response) at ~0.79 W ≈ 16 mJ.
        JoulesPerTransmission: 0.016,
        // Datasheet: modem-sleep at 240 MHz dual-core up to 68 mA at 3.3 V ≈ 0.22 W; estimate 30 ms per
        // inference of a ~2 MFLOP CNN ≈ 6.7 mJ.
        JoulesPerLocalInference: 0.0067,
        LocalInferenceSeconds: 0.030,
        // Estimate: LAN round trip to an edge server.
        NetworkRoundTripSeconds: 0.020,
        Source: "ESP32 datasheet (TX 240 mA, CPU 68 mA at 3.3 V); throughput, overhead, RTT, inference time estimated");

    /// <summary>nRF52840 over BLE to a gateway that forwards to the server.</summary>
    public static DeviceProfile Nrf52840Ble { get; } = new(
        Name: "nrf52840-ble",
        // Estimate: ~50 kB/s application throughput over a 1M PHY connection via a phone/gateway.
        UplinkBytesPerSecond: 50_000,
        DownlinkBytesPerSecond: 50_000,
        // nRF52840 product spec: radio TX at 0 dBm 4.8 mA plus CPU 3.3 mA (DC/DC) at 3 V ≈ 24 mW;
        // 24 mW / 50 kB/s ≈ 0.49 µJ per byte.
        JoulesPerByteSent: 0.49e-6,
        // Estimate: one extra 7.5 ms connection event at ~24 mW ≈ 0.18 mJ.
        JoulesPerTransmission: 0.00018,
        // Product spec: CPU at 64 MHz ≈ 3.3 mA at 3 V ≈ 10 mW; estimate 100 ms per inference (CMSIS-NN) ≈ 1 mJ.
        JoulesPerLocalInference: 0.001,
        LocalInferenceSeconds: 0.100,
        // Estimate: BLE connection interval plus gateway-to-server hop.
        NetworkRoundTripSeconds: 0.050,
        Source: "nRF52840 product specification (TX 4.8 mA at 0 dBm, CPU 3.3 mA at 3 V); throughput, overhead, RTT, inference time estimated");

    /// <summary>STM32L4 with an LTE-M (Cat-M1) modem to a cloud server.</summary>
    public static DeviceProfile Stm32LteM { get; } = new(
        Name: "stm32-lte-m",
        // 3GPP Cat-M1 peaks at 1 Mbit/s (~375 kbit/s half-duplex); estimate ~30 kB/s up, ~40 kB/s down in practice.
        UplinkBytesPerSecond: 30_000,
        DownlinkBytesPerSecond: 40_000,
        // Cat-M1 module datasheets (e.g. Quectel BG96 class): ~200 mA TX at 23 dBm at 3.8 V ≈ 0.76 W;
        // 0.76 W / 30 kB/s ≈ 25 µJ per byte. Current is an approximate datasheet figure.
        JoulesPerByteSent: 25e-6,
        // Estimate: RRC connection set-up and release tail ≈ 0.5 s at ~0.5 W ≈ 0.25 J; dominates small payloads.
        JoulesPerTransmission: 0.25,
        // STM32L4 datasheet: ~100 µA/MHz at 80 MHz ≈ 8 mA at 3.3 V ≈ 26 mW; estimate 50 ms per inference
        // (X-CUBE-AI) ≈ 1.3 mJ.
        JoulesPerLocalInference: 0.0013,
        LocalInferenceSeconds: 0.050,
        // Estimate: typical LTE-M round trip to a cloud region.
        NetworkRoundTripSeconds: 0.150,
        Source: "STM32L4 datasheet (~100 µA/MHz) and Cat-M1 module datasheets (~200 mA TX at 3.8 V); throughput, overhead, RTT, inference time estimated");

    public static IReadOnlyList<DeviceProfile> All { get; } = [Esp32Wifi, Nrf52840Ble, Stm32LteM];

    /// <summary>The profile named <paramref name="name"/> (case-insensitive).</summary>
    public static DeviceProfile Get(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException(
            $"Unknown device profile '{name}'; known profiles: {string.Join(", ", All.Select(p => p.Name))}.", nameof(name));
}
