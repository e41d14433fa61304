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
    long InferenceMicros);

/// <summary>Reads a stored decision by device and sample id: the idempotency check before any inference.</summary>
public sealed class DecisionStore(SqliteConnectionFactory connections)
{
    public async Task<StoredDecision?> FindAsync(string deviceId, string sampleId, CancellationToken cancellationToken)
    {
        await using var lease = await connections.OpenAsync(cancellationToken);
        await using var command = lease.Connection.CreateCommand();
        command.CommandText = """
            SELECT PayloadHash, LocalClass, ServerClass, ServerConfidence, Probabilities, ModelVersion, BatchSize,
                   QueueMicros, InferenceMicros
            FROM Decisions WHERE DeviceId = $device AND SampleId = $sample
            """;
        command.Parameters.AddWithValue("$device", deviceId);
        command.Parameters.AddWithValue("$sample", sampleId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new StoredDecision(
            reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), (float)reader.GetDouble(3),
            PendingDecision.ProbabilitiesFrom((byte[])reader.GetValue(4)), reader.GetString(5), reader.GetInt32(6),
            reader.GetInt64(7), reader.GetInt64(8));
    }
}
