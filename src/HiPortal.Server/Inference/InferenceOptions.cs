using System.ComponentModel.DataAnnotations;
using HiPortal.Core.Inference;

namespace HiPortal.Server.Inference;

/// <summary>How ONNX Runtime runs the served models (which models: <c>Models</c>, see ModelsOptions).</summary>
public sealed class InferenceOptions
{
    public const string Section = "Inference";

    public ExecutionProvider Provider { get; set; } = ExecutionProvider.Cpu;

    [Range(0, 64)]
    public int CudaDeviceId { get; set; }

    /// <summary>
    /// ONNX Runtime intra-op threads per execution. 0 (the default) on the CPU gives each of a model's
    /// <see cref="BatchingOptions.Instances"/> its share of the cores (at least one), so two executions in flight on two
    /// cores run one thread each instead of two each on the same cores; on CUDA, 0 leaves ONNX Runtime's own default.
    /// </summary>
    [Range(0, 256)]
    public int IntraOpThreads { get; set; }

    /// <summary>The intra-op threads an execution gets when <paramref name="instances"/> of them run at once.</summary>
    public int ThreadsPerExecution(int instances) =>
        IntraOpThreads > 0 || Provider != ExecutionProvider.Cpu ? IntraOpThreads : Math.Max(1, Environment.ProcessorCount / instances);

    /// <summary>Let ONNX Runtime's idle threads spin; off by default because they share cores with Kestrel.</summary>
    public bool AllowSpinning { get; set; }

    /// <summary>
    /// Linux nice of the threads that run the model's executions on the CPU (0: they run on the worker's thread-pool
    /// thread at the normal priority). Below the request path's priority, a saturated machine answers requests (and
    /// deadlines) first and gives the model the rest; see <see cref="ExecutionThread"/>. With more than one intra-op
    /// thread per execution, ONNX Runtime's own pool threads keep the normal priority.
    /// </summary>
    [Range(0, 19)]
    public int ExecutionNice { get; set; }

    /// <summary>The nice the executions get: <see cref="ExecutionNice"/> on the CPU; on CUDA they mostly wait for the device, and run inline.</summary>
    public int EffectiveExecutionNice => Provider == ExecutionProvider.Cpu ? ExecutionNice : 0;
}

/// <summary>The dynamic batcher: when a batch runs, how much may wait, and for how long.</summary>
public sealed class BatchingOptions
{
    public const string Section = "Batching";

    [Range(1, 1024)]
    public int MaxBatchSize { get; set; } = 32;

    /// <summary>A batch runs when full or when its oldest request has waited this long.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan MaxQueueDelay { get; set; } = TimeSpan.FromMilliseconds(2);

    [Range(1, 1_000_000)]
    public int QueueCapacity { get; set; } = 4096;

    /// <summary>
    /// Batches of this model in flight at once (Triton's instance count): each instance collects, checks and runs its
    /// own batch from the one queue, so the model's threads are not idle while another batch is collected, looked up
    /// or handed over. One instance keeps batches strictly one after the other. Two, the default, each with one
    /// intra-op thread on 2 cores (see <see cref="InferenceOptions.IntraOpThreads"/>), served the Fashion-MNIST ResNet
    /// at 1.1x one instance on both cores, and 1.2x two instances of two threads each (README, Performance).
    /// </summary>
    [Range(1, 16)]
    public int Instances { get; set; } = 2;

    /// <summary>Requests not started by then are answered 503 and never run; a client may lower it per request.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan DefaultDeadline { get; set; } = TimeSpan.FromSeconds(5);

    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>The back-off hint every overload answer (ingest and OIP) carries.</summary>
    public void AdviseRetry(HttpResponse response) =>
        response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
