using HiPortal.Server.Live;

namespace HiPortal.Dashboard.Tests.Components;

public static class Snapshots
{
    public static SavingsSnapshot For(string fleet, int devicesOnline = 3) => new(
        Fleet: fleet,
        At: new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero),
        WindowSeconds: 60,
        DevicesOnline: devicesOnline,
        DevicesTotal: 5,
        SamplesPerSecond: 12.5,
        OffloadsPerSecond: 2.5,
        OffloadsReceived: 150,
        OffloadRate: 0.2,
        BandwidthSavedFraction: 0.75,
        BytesSaved: 3 * 1024 * 1024,
        LatencyHiMs: 12.34,
        LatencyFullOffloadMs: 40,
        EnergySavedFraction: 0.5,
        AgreementRate: 0.875,
        ServerAccuracyOnOffloads: 0.9,
        Labelled: 150,
        QueueDepth: 7,
        MeanBatchSize: 3.375);
}
