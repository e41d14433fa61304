namespace HiPortal.Dashboard.Tests;

/// <summary>What a device sends: offloads of real Fashion-MNIST test images, telemetry reports, config acks.</summary>
public static class DeviceTraffic
{
    /// <summary>Posts <paramref name="count"/> labelled offloads; every third claims a wrong local class.</summary>
    public static async Task PostOffloadsAsync(HiPortalClient device, string prefix, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var label = Samples.Test.Label(i);
            await device.OffloadAsync(Samples.Offload(i, $"{prefix}-{i}", i % 3 == 0 ? (label + 1) % 10 : label, 0.4 + (0.01 * i)));
        }
    }

    /// <summary>
    /// Telemetry for consecutive ten-second periods, the last ending now (so live snapshots count them all), numbered
    /// from <paramref name="firstSequence"/>. Each offloaded sample sent its 784 bytes.
    /// </summary>
    public static async Task PostTelemetryAsync(HiPortalClient device, long firstSequence, params (long Samples, long Offloaded)[] periods)
    {
        var now = DateTimeOffset.UtcNow;
        var reports = periods.Select((p, i) =>
        {
            var end = now.AddSeconds(-10 * (periods.Length - 1 - i));
            return new TelemetryPeriod
            {
                Sequence = firstSequence + i,
                PeriodStart = end.AddSeconds(-10),
                PeriodEnd = end,
                Samples = p.Samples,
                DecidedLocally = p.Samples - p.Offloaded,
                Offloaded = p.Offloaded,
                LocalInferenceMicros = 950 * p.Samples,
                BytesSent = 784 * p.Offloaded,
                OffloadRttMicrosSum = 23_000 * p.Offloaded,
                OffloadRttCount = p.Offloaded,
                EnergyJoules = 0.002 * p.Samples,
                Dropped = 0,
            };
        });
        await device.PostTelemetryAsync(new TelemetryBatch([.. reports]));
    }

    /// <summary>Reads the device's desired configuration and acknowledges it as applied; returns its version.</summary>
    public static async Task<long> AcknowledgeConfigAsync(HiPortalClient device)
    {
        var config = await device.GetConfigAsync();
        await device.AckAsync(config.Version);
        return config.Version;
    }
}
