using System.Text;
using HiPortal.Server.Persistence;

namespace HiPortal.Server.Ingest;

public sealed record StoredDecision(
    string PayloadHash,
    int LocalClass,
    int ServerClass,
    float ServerConfidence,
    float[] Probabilities,
    string ModelVersion,
    int BatchSize,
    long QueueMicros,
    long InferenceMicros,
    string ModelName);

/// <summary>
/// Reads stored decisions by device and sample id: the idempotency check. The worker asks once per batch (one
/// query for the whole batch, not one per request), so concurrent devices do not each hold a read transaction. On
/// SQLite the keys are matched through <c>DeviceSamples</c>, with everything stored before the call indexed first
/// (<see cref="DeviceHistory"/>).
/// </summary>
public sealed class DecisionStore(IRawDatabase database, DeviceHistory history)
{
    private const string Columns = """
        "DeviceId", "SampleId", "PayloadHash", "LocalClass", "ServerClass", "ServerConfidence", "Probabilities",
        "ModelVersion", "BatchSize", "QueueMicros", "InferenceMicros", "ModelName"
        """;

    public async Task<StoredDecision?> FindAsync(string deviceId, string sampleId, CancellationToken cancellationToken)
    {
        var found = await FindManyAsync([(deviceId, sampleId)], cancellationToken);
        return found.GetValueOrDefault((deviceId, sampleId));
    }

    public async Task<Dictionary<(string DeviceId, string SampleId), StoredDecision>> FindManyAsync(
        IReadOnlyList<(string DeviceId, string SampleId)> keys, CancellationToken cancellationToken)
    {
        var found = new Dictionary<(string, string), StoredDecision>();
        if (keys.Count == 0)
        {
            return found;
        }

        await history.CatchUpAsync(cancellationToken);
        await using var lease = await database.OpenAsync(cancellationToken);
        await using var command = lease.Connection.CreateCommand();
        var sql = new StringBuilder($"SELECT {Columns} FROM \"Decisions\" WHERE ");
        if (history.Deferred)
        {
            sql.Append("\"Id\" IN (SELECT \"DecisionId\" FROM \"DeviceSamples\" WHERE ");
        }

        for (var i = 0; i < keys.Count; i++)
        {
            sql.Append(i == 0 ? "" : " OR ").Append($"(\"DeviceId\" = @d{i} AND \"SampleId\" = @s{i})");
            Add(command, $"@d{i}", keys[i].DeviceId);
            Add(command, $"@s{i}", keys[i].SampleId);
        }

        command.CommandText = sql.Append(history.Deferred ? ")" : "").ToString();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            found[(reader.GetString(0), reader.GetString(1))] = new StoredDecision(
                reader.GetString(2), reader.GetInt32(3), reader.GetInt32(4), (float)reader.GetDouble(5),
                PendingDecision.ProbabilitiesFrom((byte[])reader.GetValue(6)), reader.GetString(7), reader.GetInt32(8),
                reader.GetInt64(9), reader.GetInt64(10), reader.GetString(11));
        }

        return found;
    }

    private static void Add(System.Data.Common.DbCommand command, string name, string value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
