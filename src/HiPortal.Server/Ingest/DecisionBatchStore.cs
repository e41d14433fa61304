using HiPortal.Server.Inference;
using HiPortal.Server.Persistence;

namespace HiPortal.Server.Ingest;

/// <summary>
/// Inserts one batch of decisions in one transaction, committed before it returns: the provider's fast path.
/// A (device, sample id) already stored, or repeated within the batch after its first occurrence, inserts nothing.
/// </summary>
public interface IDecisionBatchStore
{
    /// <summary>For each request, whether its row was inserted (false: that key was stored already).</summary>
    Task<bool[]> InsertAsync(List<InferenceRequest> requests);
}

/// <summary>The columns of a decision row and where each value comes from, shared by both providers' writers.</summary>
internal static class DecisionRows
{
    public static readonly SqlInsert<InferenceRequest> Insert = new("Decisions", ["DeviceId", "SampleId"],
        ("DeviceId", q => q.Decision!.DeviceId),
        ("Fleet", q => q.Decision!.Fleet),
        ("SampleId", q => q.Decision!.SampleId),
        ("PayloadHash", q => q.Decision!.PayloadHash),
        ("ReceivedAtMs", q => q.Decision!.ReceivedAtMs),
        ("CapturedAtMs", q => q.Decision!.CapturedAtMs),
        ("LocalClass", q => q.Decision!.LocalClass),
        ("LocalConfidence", q => q.Decision!.LocalConfidence),
        ("LocalInferenceMicros", q => q.Decision!.LocalInferenceMicros),
        ("ServerClass", q => q.Result!.PredictedClass),
        ("ServerConfidence", q => (double)q.Result!.Confidence),
        ("Probabilities", q => PendingDecision.ProbabilityBytes(q.Result!.Probabilities)),
        ("Agrees", q => q.Result!.PredictedClass == q.Decision!.LocalClass),
        ("Label", q => q.Decision!.Label),
        ("InputBytes", q => q.Decision!.InputBytes),
        ("Exploration", q => q.Decision!.Exploration),
        ("QueueMicros", q => q.Result!.QueueMicros),
        ("InferenceMicros", q => q.Result!.InferenceMicros),
        ("BatchSize", q => q.Result!.BatchSize),
        ("ModelVersion", q => q.Decision!.ModelVersion),
        ("ModelName", q => q.Decision!.ModelName));
}

/// <summary>
/// SQLite: one INSERT, prepared once on the one writer connection (see <see cref="SqliteConnectionFactory"/>) and kept
/// while that connection lives, re-bound per row, each batch in one transaction. <c>Decisions</c> has no unique
/// (DeviceId, SampleId) index on SQLite (<see cref="DeviceHistory"/>): a key is stored already when
/// <c>DeviceSamples</c> has it (the insert's own NOT EXISTS) or when this writer stored it since the last indexing pass
/// (<see cref="DeviceHistory.IsStoredUnindexed"/>).
/// </summary>
internal sealed class SqliteDecisionBatchStore(IRawDatabase database, WriteGate gate, DeviceHistory history) : IDecisionBatchStore, IDisposable
{
    private static readonly string s_sql = DecisionRows.Insert.SqlUnless(DeviceHistory.IndexedSampleSql);

    // Used only while the writer lease is held, which is exclusive.
    private SqlitePreparedInsert<InferenceRequest>? _insert;

    public async Task<bool[]> InsertAsync(List<InferenceRequest> requests)
    {
        using var turn = await gate.EnterAsync(WritePriority.Urgent);
        await using var lease = await database.OpenWriterAsync();
        var connection = (Microsoft.Data.Sqlite.SqliteConnection)lease.Connection;
        lease.Broken = true; // until the commit succeeds
        var inserted = new bool[requests.Count];
        try
        {
            await using var transaction = await connection.BeginTransactionAsync();
            var prepared = await history.PrepareStoreAsync(connection, transaction, CancellationToken.None);
            var insert = InsertFor(connection);
            for (var i = 0; i < requests.Count; i++)
            {
                var decision = requests[i].Decision!;
                if (!history.IsStoredUnindexed(decision.DeviceId, decision.SampleId) && insert.Insert(requests[i]) == 1)
                {
                    inserted[i] = true;
                    history.Stored(decision.DeviceId, decision.SampleId, insert.LastInsertRowId);
                }
            }

            await transaction.CommitAsync();
            history.StoreCommitted(prepared);
        }
        catch
        {
            history.StoreFailed();
            throw;
        }

        lease.Broken = false;
        return inserted;
    }

    private SqlitePreparedInsert<InferenceRequest> InsertFor(Microsoft.Data.Sqlite.SqliteConnection connection)
    {
        if (_insert?.IsFor(connection) != true)
        {
            // The writer connection was replaced (the last one broke): its statement goes with it.
            _insert?.Dispose();
            _insert = null;
            _insert = new SqlitePreparedInsert<InferenceRequest>(DecisionRows.Insert, connection, s_sql);
        }

        return _insert;
    }

    public void Dispose() => _insert?.Dispose();
}
