using HiPortal.Server.Persistence;

namespace HiPortal.Server.Stats;

/// <summary>
/// The two aggregate queries, in SQL both providers run: quoted identifiers, EF Core's <c>{n}</c> placeholders for
/// the values, and the provider's overflow-proof sum (<see cref="IRawDatabase.Total"/>) for every figure.
/// </summary>
internal sealed class StatsSql
{
    private readonly List<object> _parameters = [];

    public StatsSql(IRawDatabase raw, Ingest.DeviceHistory history, StatsScope scope, long fromMs, long toMs, long? bucketMs)
    {
        var from = Add(fromMs);
        var to = Add(toMs);
        var value = scope.SqlValue is { } v ? Add(v) : null;
        var filter = value is null ? "" : scope.SqlFilter(value);
        // A device's decisions come through the device index (see DeviceHistory); its telemetry has an index of its own.
        var decisionFilter = scope.DeviceId is not null ? history.SqlFilter(value!, from, to) : filter;
        var bucketSize = bucketMs is { } b ? Add(b) : null;
        string Bucket(string column) => bucketSize is null ? "CAST(0 AS bigint)" : $"(\"{column}\" / {bucketSize}) * {bucketSize}";
        string Total(string column) => $"{raw.Total($"\"{column}\"")} AS \"{column}\"";

        Telemetry = $"""
            SELECT {Bucket("PeriodEndMs")} AS "BucketStartMs", "Fleet",
                {Total("Samples")}, {Total("DecidedLocally")}, {Total("Offloaded")}, {Total("Dropped")}, {Total("BytesSent")},
                {Total("OffloadRttMicrosSum")}, {Total("OffloadRttCount")}, {Total("EnergyJoules")}
            FROM "Telemetry"
            WHERE {filter}"PeriodEndMs" >= {from} AND "PeriodEndMs" < {to}
            GROUP BY 1, 2
            """;

        // A NULL label makes "ServerClass" = "Label" NULL, so the CASE counts 0: only labelled rows count as correct.
        Decisions = $""""
            SELECT {Bucket("ReceivedAtMs")} AS "BucketStartMs", "Fleet",
                {raw.Total("1")} AS "OffloadsReceived",
                {raw.Total("""CASE WHEN "Agrees" THEN 1 ELSE 0 END""")} AS "Agreements",
                {raw.Total("""CASE WHEN "Label" IS NOT NULL THEN 1 ELSE 0 END""")} AS "Labelled",
                {raw.Total("""CASE WHEN "ServerClass" = "Label" THEN 1 ELSE 0 END""")} AS "ServerCorrect",
                {raw.Total("""CASE WHEN "LocalClass" = "Label" THEN 1 ELSE 0 END""")} AS "LocalCorrect",
                {Total("QueueMicros")}, {Total("InferenceMicros")}, {raw.Total("\"BatchSize\"")} AS "BatchSizeSum",
                {raw.Total("""CASE WHEN "Exploration" THEN 1 ELSE 0 END""")} AS "ExplorationOffloads",
                {raw.Total("""CASE WHEN "Exploration" AND "Agrees" THEN 1 ELSE 0 END""")} AS "ExplorationAgreements",
                {raw.Total("""CASE WHEN "Exploration" THEN "InputBytes" ELSE 0 END""")} AS "ExplorationBytes"
            FROM "Decisions"
            WHERE {decisionFilter}"ReceivedAtMs" >= {from} AND "ReceivedAtMs" < {to}
            GROUP BY 1, 2
            """";

        // The tiny model's class against the large model's, per model that answered (class lists differ by model).
        Confusion = $"""
            SELECT "ModelName", "ModelVersion", "LocalClass", "ServerClass", {raw.Total("1")} AS "Count"
            FROM "Decisions"
            WHERE {decisionFilter}"ReceivedAtMs" >= {from} AND "ReceivedAtMs" < {to}
            GROUP BY 1, 2, 3, 4
            """;
    }

    public string Telemetry { get; }

    public string Confusion { get; }

    public string Decisions { get; }

    public object[] Parameters => [.. _parameters];

    private string Add(object value)
    {
        _parameters.Add(value);
        return $"{{{_parameters.Count - 1}}}";
    }
}
