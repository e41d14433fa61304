using System.Threading.Channels;
using HiPortal.Server.Inference;
using HiPortal.Server.Observability;
using HiPortal.Server.Persistence;
using Microsoft.Data.Sqlite;

namespace HiPortal.Server.Ingest;

/// <summary>
/// Stores each inference batch's decisions in one SQLite transaction and only then answers the waiting requests:
/// a device never holds an answer the database does not. Runs beside the worker, so batch k+1 is inferred while
/// batch k is written. A duplicate (device, sample id) inserts nothing and is reported as already stored.
/// </summary>
public sealed class DecisionWriter(SqliteConnectionFactory connections, HiPortalMetrics metrics, TimeProvider time, ILogger<DecisionWriter> logger)
    : BackgroundService
{
    private static readonly SqlInsert<InferenceRequest> s_insert = new("Decisions", "ON CONFLICT (DeviceId, SampleId) DO NOTHING",
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
        ("QueueMicros", q => q.Result!.QueueMicros),
        ("InferenceMicros", q => q.Result!.InferenceMicros),
        ("BatchSize", q => q.Result!.BatchSize),
        ("ModelVersion", q => q.Decision!.ModelVersion),
        ("ModelName", q => q.Decision!.ModelName));

    private readonly Channel<List<InferenceRequest>> _batches =
        Channel.CreateBounded<List<InferenceRequest>>(new BoundedChannelOptions(64) { SingleReader = true, SingleWriter = true });

    public ValueTask EnqueueAsync(List<InferenceRequest> batch) => _batches.Writer.WriteAsync(batch);

    /// <summary>The worker is done: write what is left, then stop.</summary>
    public void Complete() => _batches.Writer.TryComplete();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pending = new List<InferenceRequest>();
        // Ignores stoppingToken on purpose: everything the worker hands over is written before shutdown ends.
        while (await _batches.Reader.WaitToReadAsync(CancellationToken.None))
        {
            pending.Clear();
            while (_batches.Reader.TryRead(out var batch))
            {
                pending.AddRange(batch);
            }

            try
            {
                var inserted = await WriteAsync(pending);
                for (var i = 0; i < pending.Count; i++)
                {
                    pending[i].Complete(inserted[i]
                        ? new InferenceOutcome(InferenceStatus.Completed, pending[i].Result)
                        : new InferenceOutcome(InferenceStatus.AlreadyStored, pending[i].Result));
                }
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Storing {Count} decisions failed; their requests get 503 and devices will retry", pending.Count);
                foreach (var request in pending)
                {
                    request.Complete(new InferenceOutcome(InferenceStatus.Failed, Error: "the decision could not be stored"));
                }
            }
        }
    }

    private async Task<bool[]> WriteAsync(List<InferenceRequest> requests)
    {
        var started = time.GetTimestamp();
        await using var lease = await connections.OpenAsync();
        var connection = lease.Connection;
        lease.Broken = true; // until the commit succeeds
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        await using var insert = s_insert.CreateCommand(connection, transaction);
        insert.Sqlite.Prepare();
        var inserted = new bool[requests.Count];
        for (var i = 0; i < requests.Count; i++)
        {
            inserted[i] = await insert.InsertAsync(requests[i]) == 1;
        }

        await transaction.CommitAsync();
        lease.Broken = false;
        metrics.DecisionsStored(requests.Count, (long)time.GetElapsedTime(started).TotalMicroseconds);
        return inserted;
    }
}
