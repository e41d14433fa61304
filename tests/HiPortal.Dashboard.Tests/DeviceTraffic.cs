using System.Net.Http.Json;
using HiPortal.Core.Data;

namespace HiPortal.Dashboard.Tests;

/// <summary>What a device sends: offloads of real Fashion-MNIST test images, telemetry reports, config acks.</summary>
public static class DeviceTraffic
{
    private static readonly Lazy<LabelledImages> s_images = new(() => FashionMnist.Load(FashionMnistSplit.Test).Take(64));

    /// <summary>Posts <paramref name="count"/> labelled offloads; every third claims a wrong local class.</summary>
    public static async Task PostOffloadsAsync(HttpClient device, string prefix, int count)
    {
        var images = s_images.Value;
        for (var i = 0; i < count; i++)
        {
            var label = images.Label(i);
            var body = new
            {
                sampleId = $"{prefix}-{i}",
                input = new { datatype = "UINT8", shape = new[] { 1, 28, 28 }, data = Convert.ToBase64String(images.Image(i)) },
                local = new { predictedClass = i % 3 == 0 ? (label + 1) % 10 : label, confidence = 0.4 + (0.01 * i), inferenceMicros = 900 },
                label = (int)label,
            };
            using var response = await device.PostAsJsonAsync("/api/v1/offloads", body);
            response.EnsureSuccessStatusCode();
        }
    }

    /// <summary>
    /// Telemetry for consecutive ten-second periods, the last ending now (so live snapshots count them all), numbered
    /// from <paramref name="firstSequence"/>. Each offloaded sample sent its 784 bytes.
    /// </summary>
    public static async Task PostTelemetryAsync(HttpClient device, long firstSequence, params (long Samples, long Offloaded)[] periods)
    {
        var now = DateTimeOffset.UtcNow;
        var reports = periods.Select((p, i) =>
        {
            var end = now.AddSeconds(-10 * (periods.Length - 1 - i));
            return new
            {
                sequence = firstSequence + i, periodStart = end.AddSeconds(-10), periodEnd = end, samples = p.Samples,
                decidedLocally = p.Samples - p.Offloaded, offloaded = p.Offloaded, localInferenceMicros = 950 * p.Samples,
                bytesSent = 784 * p.Offloaded, offloadRttMicrosSum = 23_000 * p.Offloaded, offloadRttCount = p.Offloaded,
                energyJoules = 0.002 * p.Samples, dropped = 0,
            };
        });
        using var response = await device.PostAsJsonAsync("/api/v1/telemetry", new { reports });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Reads the device's desired configuration and acknowledges it as applied; returns its version.</summary>
    public static async Task<long> AcknowledgeConfigAsync(HttpClient device)
    {
        var config = await device.GetFromJsonAsync<ConfigBody>("/api/v1/config");
        using var response = await device.PostAsJsonAsync("/api/v1/config/ack", new { version = config!.Version, status = "applied" });
        response.EnsureSuccessStatusCode();
        return config.Version;
    }

    private sealed record ConfigBody(long Version);
}
