using System.Text.Json;
using System.Text.Json.Serialization;

namespace HiPortal.DeviceSdk.Transport;

/// <summary>GET /api/v1/config.</summary>
internal sealed record RemoteConfiguration(long Version, string? Rule, double Threshold, double[]? Coefficients,
    int TelemetryIntervalSeconds, string? Fleet);

/// <summary>POST /api/v1/config/ack.</summary>
internal sealed record ConfigAck(long Version, string Status, string? Message);

internal sealed record ConfigAckAnswer(long Version, string? Status, long ConfigVersion);

/// <summary>POST /api/v1/telemetry.</summary>
internal sealed record TelemetryBatch(IReadOnlyList<TelemetryReport> Reports);

internal sealed record TelemetryReport(
    long Sequence,
    DateTimeOffset PeriodStart,
    DateTimeOffset PeriodEnd,
    long Samples,
    long DecidedLocally,
    long Offloaded,
    long LocalInferenceMicros,
    long BytesSent,
    long OffloadRttMicrosSum,
    long OffloadRttCount,
    double EnergyJoules,
    long Dropped);

internal sealed record TelemetryAnswer(int Accepted, int Duplicates, long Gaps, long LastSequence, long ConfigVersion);

/// <summary>An RFC 7807 problem body, for error messages.</summary>
internal sealed record Problem(string? Title, string? Detail);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(ServerAnswer))]
[JsonSerializable(typeof(RemoteConfiguration))]
[JsonSerializable(typeof(ConfigAck))]
[JsonSerializable(typeof(ConfigAckAnswer))]
[JsonSerializable(typeof(TelemetryBatch))]
[JsonSerializable(typeof(TelemetryAnswer))]
[JsonSerializable(typeof(Problem))]
internal sealed partial class DeviceJson : JsonSerializerContext;
