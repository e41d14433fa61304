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
    private const string InsertSql = """
        INSERT INTO Decisions (DeviceId, Fleet, SampleId, PayloadHash, ReceivedAtMs, CapturedAtMs, LocalClass,
            LocalConfidence, LocalInferenceMicros, ServerClass, ServerConfidence, Probabilities, Agrees, Label,
            InputBytes, QueueMicros, InferenceMicros, BatchSize, ModelVersion)
        VALUES ($device, $fleet, $sample, $hash, $received, $captured, $localClass, $localConfidence, $localMicros,
            $serverClass, $serverConfidence, $probabilities, $agrees, $label, $inputBytes, $queueMicros,
            $inferenceMicros, $batchSize, $modelVersion)
        ON CONFLICT (DeviceId, SampleId) DO NOTHING
        """;

    private static readonly string[] s_parameters =
    [
        "$device", "$fleet", "$sample", "$hash", "$received", "$captured", "$localClass", "$localConfidence",
        "$localMicros", "$serverClass", "$serverConfidence", "$probabilities", "$agrees", "$label", "$inputBytes",
        "$queueMicros", "$inferenceMicros", "$batchSize", "$modelVersion",
    ];

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
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = InsertSql;
        foreach (var name in s_parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        var inserted = new bool[requests.Count];
        for (var i = 0; i < requests.Count; i++)
        {
            var d = requests[i].Decision!;
            var r = d.Result!;
            var p = command.Parameters;
            p[0].Value = d.DeviceId;
            p[1].Value = d.Fleet;
            p[2].Value = d.SampleId;
            p[3].Value = d.PayloadHash;
            p[4].Value = d.ReceivedAtMs;
            p[5].Value = (object?)d.CapturedAtMs ?? DBNull.Value;
            p[6].Value = d.LocalClass;
            p[7].Value = d.LocalConfidence;
            p[8].Value = (object?)d.LocalInferenceMicros ?? DBNull.Value;
            p[9].Value = r.PredictedClass;
            p[10].Value = (double)r.Confidence;
            p[11].Value = PendingDecision.ProbabilityBytes(r.Probabilities);
            p[12].Value = r.PredictedClass == d.LocalClass;
            p[13].Value = (object?)d.Label ?? DBNull.Value;
            p[14].Value = d.InputBytes;
            p[15].Value = r.QueueMicros;
            p[16].Value = r.InferenceMicros;
            p[17].Value = r.BatchSize;
            p[18].Value = d.ModelVersion;
            inserted[i] = await command.ExecuteNonQueryAsync() == 1;
        }

        await transaction.CommitAsync();
        lease.Broken = false;
        metrics.DecisionsStored(requests.Count, (long)time.GetElapsedTime(started).TotalMicroseconds);
        return inserted;
    }
}
