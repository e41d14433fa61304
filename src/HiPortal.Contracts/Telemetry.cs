namespace HiPortal.Contracts;

/// <summary>What a device posts every telemetry interval: its counters for one or more reporting periods.</summary>
public sealed record TelemetryBatch(IReadOnlyList<TelemetryPeriod?>? Reports);

/// <summary>One period's counters. Nullable so the server can tell a missing field from a zero.</summary>
public sealed record TelemetryPeriod
{
    public long? Sequence { get; init; }

    public DateTimeOffset? PeriodStart { get; init; }

    public DateTimeOffset? PeriodEnd { get; init; }

    public long? Samples { get; init; }

    public long? DecidedLocally { get; init; }

    public long? Offloaded { get; init; }

    public long? LocalInferenceMicros { get; init; }

    public long? BytesSent { get; init; }

    public long? OffloadRttMicrosSum { get; init; }

    public long? OffloadRttCount { get; init; }

    public double? EnergyJoules { get; init; }

    public long? Dropped { get; init; }
}

/// <param name="Accepted">Reports stored by this post.</param>
/// <param name="Duplicates">Reports of this post whose sequence was already stored (ignored).</param>
/// <param name="Gaps">Sequences up to <paramref name="LastSequence"/> the server has never received, for the device.</param>
/// <param name="LastSequence">Highest sequence stored for the device.</param>
/// <param name="ConfigVersion">The device's desired configuration version, so it knows when to fetch a new one.</param>
public sealed record TelemetryResponse(int Accepted, int Duplicates, long Gaps, long LastSequence, long ConfigVersion);
