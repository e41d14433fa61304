using HiPortal.Core.Decisions;
using HiPortal.Server.Ingest;
using HiPortal.Server.Observability;

namespace HiPortal.Server.Inference;

/// <summary>
/// The dynamic batcher of one served model. A batch runs as soon as it holds <see cref="BatchingOptions.MaxBatchSize"/> requests or its
/// oldest request has waited <see cref="BatchingOptions.MaxQueueDelay"/>; expired requests are answered and dropped
/// before the model runs. Inputs are copied into one pinned buffer per batch; ingest decisions then go to the
/// <see cref="DecisionWriter"/>, which stores them before anyone is answered.
/// </summary>
/// <remarks>
/// Idempotency is the unique index's alone: a retried (device, sample id) runs again, inserts nothing and is answered
/// from the stored row (<see cref="InferenceStatus.AlreadyStored"/>). Retries are rare; a lookup before every batch
/// was a read query per batch for all of them (about 3 % of the server's CPU per offload, see README Performance).
/// </remarks>
public sealed class InferenceWorker(
    ServedModel model,
    DecisionWriter writer,
    HiPortalMetrics metrics,
    TimeProvider time,
    ILogger logger,
    int executionNice = 0,
    IBatchGate? gate = null)
{
    private readonly BatchingQueue _queue = model.Queue;

    /// <summary>Where executions run below the request path's priority (<see cref="ExecutionThread"/>); null: inline.</summary>
    private ExecutionThread? _thread;

    /// <summary>Runs until the model's queue is closed (retirement or shutdown) and everything queued is answered.</summary>
    public async Task RunAsync()
    {
        var max = model.Batching.MaxBatchSize;
        var delayTicks = (long)(model.Batching.MaxQueueDelay.TotalSeconds * time.TimestampFrequency);
        var input = GC.AllocateArray<float>(max * model.Signature.SampleLength, pinned: true);
        var scores = GC.AllocateArray<float>(max * model.Signature.ClassCount, pinned: true);
        var reader = _queue.Reader;
        using var thread = executionNice > 0 ? new ExecutionThread($"model {model.Reference}", executionNice) : null;
        _thread = thread;

        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            var batch = new List<InferenceRequest>(max);
            try
            {
                await Collect(batch, max, delayTicks);
                await RunBatch(batch, input, scores);
                await HandOver(batch);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Inference batch of {Count} on {Model} failed", batch.Count, model.Reference);
                foreach (var request in batch)
                {
                    request.Complete(new InferenceOutcome(InferenceStatus.Failed, Error: "inference failed"));
                }
            }
        }
    }

    private async Task Collect(List<InferenceRequest> batch, int max, long delayTicks)
    {
        var reader = _queue.Reader;
        var until = long.MaxValue;
        while (batch.Count < max)
        {
            if (reader.TryRead(out var request))
            {
                if (Expire(request, time.GetTimestamp()))
                {
                    continue;
                }

                batch.Add(request);
                until = Math.Min(until, request.EnqueuedAt + delayTicks);
                continue;
            }

            var remaining = until == long.MaxValue ? 0 : until - time.GetTimestamp();
            if (batch.Count > 0 && remaining <= 0)
            {
                break;
            }

            if (batch.Count == 0)
            {
                if (!await reader.WaitToReadAsync(CancellationToken.None))
                {
                    break;
                }

                continue;
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds((double)remaining / time.TimestampFrequency), time);
            try
            {
                if (!await reader.WaitToReadAsync(timeout.Token))
                {
                    break;
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Answers and drops a request whose deadline has passed (its timer may have answered it already); it never reaches the model.</summary>
    private bool Expire(InferenceRequest request, long now)
    {
        if (now <= request.Deadline && !request.IsAnswered)
        {
            return false;
        }

        _queue.Left(1);
        metrics.RequestExpired();
        request.Complete(new InferenceOutcome(InferenceStatus.Expired, Error: "deadline exceeded before the model ran"));
        return true;
    }

    private async Task RunBatch(List<InferenceRequest> batch, float[] input, float[] scores)
    {
        var started = time.GetTimestamp();
        // Requests can expire while a batch is being collected: check again just before the model runs.
        batch.RemoveAll(r => Expire(r, started));
        if (batch.Count == 0)
        {
            return;
        }

        _queue.Left(batch.Count);
        metrics.BatchFormed(batch.Count);
        try
        {
            if (gate is not null)
            {
                await gate.BeforeRunAsync(model, batch.Count);
            }

            if (_thread is { } thread)
            {
                await thread.RunAsync(() => Run(batch, input, scores, started));
            }
            else
            {
                Run(batch, input, scores, started);
            }
        }
        finally
        {
            metrics.BatchFinished(batch.Count);
        }
    }

    private void Run(List<InferenceRequest> batch, float[] input, float[] scores, long started)
    {
        var (length, classes) = (model.Signature.SampleLength, model.Signature.ClassCount);
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Input.AsSpan(0, length).CopyTo(input.AsSpan(i * length));
            batch[i].ReturnInput();
        }

        var cpuBefore = ThreadCpuClock.Now();
        model.Classifier.Run(input, batch.Count, scores);
        var cpuAfter = ThreadCpuClock.Now();
        var finished = time.GetTimestamp();
        var inferenceMicros = (long)time.GetElapsedTime(started, finished).TotalMicroseconds;
        metrics.BatchExecuted(batch.Count, inferenceMicros, cpuAfter - cpuBefore);
        for (var i = 0; i < batch.Count; i++)
        {
            var sampleScores = scores.AsSpan(i * classes, classes).ToArray();
            var probabilities = new float[classes];
            // A card may say its graph already ends in a softmax; applying another would flatten the answer.
            if (model.Signature.ScoresAreProbabilities)
            {
                sampleScores.CopyTo(probabilities, 0);
            }
            else
            {
                Probabilities.Softmax(sampleScores, probabilities);
            }

            var top = Probabilities.Top2(probabilities);
            var queueMicros = (long)time.GetElapsedTime(batch[i].EnqueuedAt, started).TotalMicroseconds;
            metrics.QueueWait(queueMicros);
            var result = new InferenceResult(probabilities, sampleScores, top.Class, top.P1, batch.Count, queueMicros, inferenceMicros);
            batch[i].Decision?.Resolve(result, model.Name, model.Version);
            batch[i].AnsweredBy = model;
            batch[i].Result = result;
        }
    }

    private async Task HandOver(List<InferenceRequest> batch)
    {
        List<InferenceRequest>? toStore = null;
        foreach (var request in batch)
        {
            if (request.Decision is null)
            {
                request.Complete(new InferenceOutcome(InferenceStatus.Completed, request.Result));
            }
            else
            {
                (toStore ??= new List<InferenceRequest>(batch.Count)).Add(request);
            }
        }

        if (toStore is not null)
        {
            await writer.EnqueueAsync(toStore);
        }
    }
}
