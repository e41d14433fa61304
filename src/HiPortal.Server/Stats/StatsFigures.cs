using System.Text.Json.Serialization;

namespace HiPortal.Server.Stats;

/// <summary>
/// What HI did over a bucket or window. Counts come from device telemetry (samples, bytes, energy) and from the
/// decisions the server stored (offloads, agreement, labels). A ratio is null when its denominator is zero.
/// </summary>
public record StatsFigures
{
    public long Samples { get; init; }

    public long DecidedLocally { get; init; }

    public long Offloaded { get; init; }

    /// <summary>Offloads devices dropped from their offline buffers.</summary>
    public long Dropped { get; init; }

    /// <summary>Offloaded / samples, as the devices reported.</summary>
    public double? OffloadRate { get; init; }

    /// <summary>Offload decisions the server stored (it may differ from <see cref="Offloaded"/> by drops and retries).</summary>
    public long OffloadsReceived { get; init; }

    /// <summary>Share of stored offloads where the large model agreed with the device's tiny model.</summary>
    public double? AgreementRate { get; init; }

    /// <summary>Stored offloads that carried a ground-truth label.</summary>
    public long Labelled { get; init; }

    /// <summary>Labelled offloads the large model got right. Local decisions carry no label, so this is not HI's accuracy.</summary>
    public double? ServerAccuracyOnOffloads { get; init; }

    /// <summary>Labelled offloads the tiny model would have got right: what offloading them fixed or cost.</summary>
    public double? LocalAccuracyOnOffloads { get; init; }

    public long BytesSent { get; init; }

    /// <summary>Bytes sending every sample (one model input each) would have taken.</summary>
    public long BytesFullOffload { get; init; }

    public double? BandwidthSavedFraction { get; init; }

    public double? MeanOffloadRttMs { get; init; }

    public double? MeanQueueMs { get; init; }

    public double? MeanInferenceMs { get; init; }

    public double? MeanBatchSize { get; init; }

    /// <summary>Energy the devices reported.</summary>
    public double EnergyJoules { get; init; }

    /// <summary>Of <see cref="OffloadsReceived"/>, exploration offloads: samples the rule kept, sent so the server can learn θ.</summary>
    public long ExplorationOffloads { get; init; }

    /// <summary>Input bytes the exploration offloads took (part of <see cref="BytesSent"/>: what exploration costs in uplink).</summary>
    public long ExplorationBytes { get; init; }

    /// <summary><see cref="ExplorationBytes"/> / <see cref="BytesFullOffload"/>: the bandwidth saving exploration gives back.</summary>
    public double? ExplorationBandwidthFraction { get; init; }

    /// <summary>Exploration offloads where the large model agreed with the tiny one: offloads that, in hindsight, bought nothing.</summary>
    public double? ExplorationAgreementRate { get; init; }

    /// <summary>Modelled per-sample latency of HI (Core SavingsModel with the fleet's device profile).</summary>
    public double? LatencyHiMs { get; init; }

    /// <summary>Modelled per-sample latency had every sample been offloaded.</summary>
    public double? LatencyFullOffloadMs { get; init; }

    /// <summary>Modelled per-sample latency of the tiny model alone (nothing offloaded).</summary>
    public double? LatencyLocalOnlyMs { get; init; }

    /// <summary>Modelled device energy HI saves against offloading every sample.</summary>
    public double? EnergySavedFraction { get; init; }

    /// <summary>Modelled device energy per sample under HI (the tiny model always, the radio for offloads).</summary>
    public double? EnergyHiMillijoules { get; init; }

    /// <summary>Modelled device energy per sample had every sample been offloaded.</summary>
    public double? EnergyFullOffloadMillijoules { get; init; }

    /// <summary>Modelled device energy per sample of the tiny model alone.</summary>
    public double? EnergyLocalOnlyMillijoules { get; init; }
}

/// <summary>One bucket of a series: the figures of rows whose time falls in [BucketStart, BucketStart + bucket).</summary>
public sealed record StatsBucket : StatsFigures
{
    public StatsBucket(DateTimeOffset bucketStart, StatsFigures figures)
        : base(figures) => BucketStart = bucketStart;

    [JsonPropertyOrder(-1)]
    public DateTimeOffset BucketStart { get; init; }
}

public sealed record StatsSeries(StatsFigures Totals, IReadOnlyList<StatsBucket> Buckets);
