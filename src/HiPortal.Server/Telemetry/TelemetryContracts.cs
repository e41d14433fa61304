using System.Text.Json;
using System.Text.Json.Serialization;

namespace HiPortal.Server.Telemetry;

/// <summary>What a device posts every telemetry interval: its counters for one or more reporting periods.</summary>
public sealed class TelemetryBatch
{
    public List<TelemetryReportRequest?>? Reports { get; set; }
}

/// <summary>One period's counters as sent. Nullable so a missing field is told apart from a zero.</summary>
public sealed class TelemetryReportRequest
{
    public long? Sequence { get; set; }

    public DateTimeOffset? PeriodStart { get; set; }

    public DateTimeOffset? PeriodEnd { get; set; }

    public long? Samples { get; set; }

    public long? DecidedLocally { get; set; }

    public long? Offloaded { get; set; }

    public long? LocalInferenceMicros { get; set; }

    public long? BytesSent { get; set; }

    public long? OffloadRttMicrosSum { get; set; }

    public long? OffloadRttCount { get; set; }

    public double? EnergyJoules { get; set; }

    public long? Dropped { get; set; }
}

/// <param name="Accepted">Reports stored by this post.</param>
/// <param name="Duplicates">Reports of this post whose sequence was already stored (ignored).</param>
/// <param name="Gaps">Sequences up to <paramref name="LastSequence"/> the server has never received, for the device.</param>
/// <param name="LastSequence">Highest sequence stored for the device.</param>
/// <param name="ConfigVersion">The device's desired configuration version, so it knows when to fetch a new one.</param>
public sealed record TelemetryResponse(int Accepted, int Duplicates, long Gaps, long LastSequence, long ConfigVersion);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, AllowTrailingCommas = false, UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(TelemetryBatch))]
public sealed partial class TelemetryJson : JsonSerializerContext;
