using System.Diagnostics.Metrics;

namespace HiPortal.Server.Observability;

/// <summary>
/// The server's own instruments (exported on /metrics): requests by outcome and reason, queue depth, batch sizes,
/// and inferences vs executions so anyone can see batching happen.
/// </summary>
public sealed class HiPortalMetrics
{
    public const string MeterName = "HiPortal";
    private readonly Counter<long> _requests;
    private readonly Counter<long> _inferences;
    private readonly Counter<long> _executions;
    private readonly Counter<long> _decisionsStored;
    private readonly Histogram<int> _batchSize;
    private readonly Histogram<double> _queueWait;
    private readonly Histogram<double> _inferenceTime;
    private readonly Histogram<double> _endToEnd;
    private readonly Histogram<double> _storeTime;
    private readonly Counter<double> _inferenceCallerCpu;
    private readonly Histogram<int> _telemetryBatch;
    private readonly Histogram<double> _telemetryStoreTime;
    private readonly Counter<long> _expired;
    private readonly Histogram<double> _deadlineLateness;
    private int _running;
    private long _overloaded;

    public HiPortalMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>("hiportal.requests", "{request}", "Offload and inference requests by outcome and reason");
        _inferences = meter.CreateCounter<long>("hiportal.inferences", "{sample}", "Samples run through the large model");
        _executions = meter.CreateCounter<long>("hiportal.executions", "{batch}", "Model executions (batches)");
        _decisionsStored = meter.CreateCounter<long>("hiportal.decisions.stored", "{decision}", "Decisions written to SQLite");
        _batchSize = meter.CreateHistogram<int>("hiportal.batch.size", "{sample}", "Samples per model execution",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });
        var secondsAdvice = new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        };
        _queueWait = meter.CreateHistogram("hiportal.queue.wait", "s", "Time from enqueue to batch start", advice: secondsAdvice);
        _inferenceTime = meter.CreateHistogram("hiportal.inference.duration", "s", "Model execution time per batch", advice: secondsAdvice);
        _inferenceCallerCpu = meter.CreateCounter<double>("hiportal.inference.caller.cpu", "s",
            "CPU time of the threads that called the model while it ran: all of the model's CPU when each execution has one intra-op thread (Linux only)");
        _endToEnd = meter.CreateHistogram("hiportal.offload.duration", "s", "Ingest request time, body read to response", advice: secondsAdvice);
        _storeTime = meter.CreateHistogram("hiportal.store.duration", "s", "Database transaction time per stored batch", advice: secondsAdvice);
        _telemetryBatch = meter.CreateHistogram<int>("hiportal.telemetry.batch.size", "{post}", "Telemetry posts per write transaction",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });
        _telemetryStoreTime = meter.CreateHistogram("hiportal.telemetry.store.duration", "s",
            "Database transaction time per stored batch of telemetry posts", advice: secondsAdvice);
        _expired = meter.CreateCounter<long>("hiportal.retention.deleted", "{row}",
            "Decisions and telemetry reports deleted by the retention pass, by table");
        _deadlineLateness = meter.CreateHistogram("hiportal.deadline.lateness", "s",
            "How long after its deadline an expired request was answered, by stage: timer (the deadline's timer ran) and handler (the request's handler resumed to answer 503)",
            advice: secondsAdvice);
        meter.CreateObservableGauge("hiportal.queue.depth", () => QueueDepth?.Invoke() ?? 0, "{request}", "Requests waiting for the model");
        meter.CreateObservableGauge("hiportal.batch.running", () => Volatile.Read(ref _running), "{sample}",
            "Samples in model executions running now (with hiportal.queue.depth: what waits behind them)");
    }

    /// <summary>Requests waiting across the served models; set by the model host (which itself needs the metrics).</summary>
    public Func<int>? QueueDepth { get; set; }

    /// <summary>Requests answered 503 since start (the alarm evaluator watches its rate).</summary>
    public long Overloaded => Interlocked.Read(ref _overloaded);

    public void Request(string outcome, string reason)
    {
        if (outcome == "overloaded")
        {
            Interlocked.Increment(ref _overloaded);
        }

        _requests.Add(1, new KeyValuePair<string, object?>("outcome", outcome), new KeyValuePair<string, object?>("reason", reason));
    }

    /// <summary>The retention pass deleted <paramref name="rows"/> of <paramref name="table"/>.</summary>
    public void RowsExpired(string table, long rows) => _expired.Add(rows, new KeyValuePair<string, object?>("table", table));

    public void RequestExpired() => Request("overloaded", "deadline_in_queue");

    /// <summary>A batch of <paramref name="size"/> was formed and starts running: its size is exported now, not after the run.</summary>
    public void BatchFormed(int size)
    {
        _batchSize.Record(size);
        Interlocked.Add(ref _running, size);
    }

    /// <summary>The batch <see cref="BatchFormed"/> reported is done (run, or failed).</summary>
    public void BatchFinished(int size) => Interlocked.Add(ref _running, -size);

    /// <param name="size">Samples in the batch.</param>
    /// <param name="micros">Wall time of the execution.</param>
    /// <param name="callerCpuMicros">CPU time of the thread that ran it, where the OS reports one (see ThreadCpuClock).</param>
    public void BatchExecuted(int size, long micros, long? callerCpuMicros)
    {
        _executions.Add(1);
        _inferences.Add(size);
        _inferenceTime.Record(micros / 1e6);
        if (callerCpuMicros is { } cpu)
            _inferenceCallerCpu.Add(cpu / 1e6);
    }

    public void QueueWait(long micros) => _queueWait.Record(micros / 1e6);

    public void EndToEnd(long micros) => _endToEnd.Record(micros / 1e6);

    /// <summary>
    /// An expired request's lateness past its deadline (nothing for any other outcome; every route that waits for the
    /// model calls it): when its deadline's watcher answered (absent when the worker expired it) and when its handler
    /// resumed to answer.
    /// </summary>
    public void DeadlineLateness(Inference.InferenceRequest request, Inference.InferenceOutcome outcome)
    {
        if (outcome.Status != Inference.InferenceStatus.Expired)
            return;
        var (timer, handler) = request.Lateness();
        if (timer is { } t)
            _deadlineLateness.Record(Math.Max(0, t.TotalSeconds), new KeyValuePair<string, object?>("stage", "timer"));
        _deadlineLateness.Record(Math.Max(0, handler.TotalSeconds), new KeyValuePair<string, object?>("stage", "handler"));
    }

    public void DecisionsStored(int count, long micros)
    {
        _decisionsStored.Add(count);
        _storeTime.Record(micros / 1e6);
    }

    public void TelemetryStored(int posts, long micros)
    {
        _telemetryBatch.Record(posts);
        _telemetryStoreTime.Record(micros / 1e6);
    }
}
