using System.Threading.Channels;
using HiPortal.Server.Inference;
using HiPortal.Server.Observability;

namespace HiPortal.Server.Ingest;

/// <summary>
/// Stores each inference batch's decisions in one database transaction (<see cref="IDecisionBatchStore"/>, the
/// provider's fast path) and only then answers the waiting requests:
/// a device never holds an answer the database does not. Runs beside the worker, so batch k+1 is inferred while
/// batch k is written. A duplicate (device, sample id) inserts nothing and is reported as already stored.
/// </summary>
public sealed class DecisionWriter(IDecisionBatchStore store, Live.LiveAggregates live, HiPortalMetrics metrics, TimeProvider time,
    ILogger<DecisionWriter> logger, Alarms.FleetDrift? drift = null)
    : BackgroundService
{
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

            bool[] inserted;
            try
            {
                inserted = await WriteAsync(pending);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Storing {Count} decisions failed; their requests get 503 and devices will retry", pending.Count);
                foreach (var request in pending)
                {
                    request.Complete(new InferenceOutcome(InferenceStatus.Failed, Error: "the decision could not be stored"));
                }

                continue;
            }

            // Committed: whatever the in-memory observers do, each request is answered as stored. A failing observer
            // must not turn a stored decision into a 503 (the device would retry what the database already holds).
            Observe(pending, inserted);
            for (var i = 0; i < pending.Count; i++)
            {
                pending[i].Complete(inserted[i]
                    ? new InferenceOutcome(InferenceStatus.Completed, pending[i].Result)
                    : new InferenceOutcome(InferenceStatus.AlreadyStored, pending[i].Result));
            }
        }
    }

    private void Observe(List<InferenceRequest> requests, bool[] inserted)
    {
        try
        {
            live.AddDecisions(requests, inserted);
            drift?.ObserveStored(requests, inserted);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Adding {Count} stored decisions to the live figures or the drift detector failed; the decisions are stored and answered",
                requests.Count);
        }
    }

    private async Task<bool[]> WriteAsync(List<InferenceRequest> requests)
    {
        var started = time.GetTimestamp();
        var inserted = await store.InsertAsync(requests);
        metrics.DecisionsStored(requests.Count, (long)time.GetElapsedTime(started).TotalMicroseconds);
        return inserted;
    }
}
