namespace HiPortal.Server.Live;

/// <summary>
/// What HI is saving a fleet right now, computed server-side from aggregates over the last minute and pushed about
/// once a second (never one message per sample). <see cref="Fleet"/> is "*" for all fleets together.
/// Field names are camelCase on the wire (SignalR JSON protocol).
/// </summary>
public sealed record SavingsSnapshot(
    string Fleet,
    DateTimeOffset At,
    int WindowSeconds,
    int DevicesOnline,
    int DevicesTotal,
    double SamplesPerSecond,
    double OffloadsPerSecond,
    long OffloadsReceived,
    double? OffloadRate,
    double? BandwidthSavedFraction,
    long BytesSaved,
    double? LatencyHiMs,
    double? LatencyFullOffloadMs,
    double? EnergySavedFraction,
    double? AgreementRate,
    double? ServerAccuracyOnOffloads,
    long Labelled,
    int QueueDepth,
    double? MeanBatchSize);

/// <summary>A device came online or went offline.</summary>
public sealed record DeviceStatusChange(string DeviceId, bool Online, DateTimeOffset At);
