using System.Buffers;
using HiPortal.Core.Codec;
using HiPortal.Core.Inference;

namespace HiPortal.Server.Inference;

/// <summary>
/// One model version being served: its ONNX Runtime session, its wire decoder, and its own batching queue and worker
/// loop, so models of different shapes never share a batch and one model's backlog does not delay another's.
/// </summary>
public sealed class ServedModel : IDisposable
{
    private int _retired;

    public ServedModel(OnnxClassifier classifier, BatchingOptions batching)
    {
        Classifier = classifier;
        Decoder = new SampleDecoder(classifier.Signature);
        Batching = batching;
        Queue = new BatchingQueue(batching.QueueCapacity);
        Inputs = ArrayPool<float>.Create(Signature.SampleLength, InputsKept(Signature.SampleLength, batching));
    }

    /// <summary>At most this many bytes of decoded samples are kept for reuse per model (arrays beyond it are allocated).</summary>
    public const long InputPoolBytes = 256L << 20;

    public OnnxClassifier Classifier { get; }

    public ModelCard Card => Classifier.Card;

    public ModelSignature Signature => Classifier.Signature;

    public SampleDecoder Decoder { get; }

    public BatchingOptions Batching { get; }

    public BatchingQueue Queue { get; }

    public string Name => Card.Name;

    public string Version => Card.Version;

    public string Reference => Card.Reference;

    /// <summary>The worker loop; completes once the queue is closed and drained.</summary>
    public Task Worker { get; set; } = Task.CompletedTask;

    public bool IsRetired => Volatile.Read(ref _retired) == 1;

    /// <summary>
    /// This model's decoded samples: one per queued sample between its parse and its batch, so as many as the queue
    /// holds plus the batches in flight (at most <see cref="InputPoolBytes"/> of them kept). <see cref="ArrayPool{T}.Shared"/> keeps
    /// 32 arrays of a size per core: with a few hundred requests queued it ran dry, allocated a new array on every rent
    /// and dropped the returned ones (a sixth of what an offload allocated, with the Fashion-MNIST pair).
    /// </summary>
    public ArrayPool<float> Inputs { get; }

    /// <summary>A buffer from <see cref="Inputs"/> that holds one decoded sample of this model.</summary>
    public float[] RentInput() => Inputs.Rent(Signature.SampleLength);

    private static int InputsKept(int sampleLength, BatchingOptions batching)
    {
        var wanted = (long)batching.QueueCapacity + ((long)batching.MaxBatchSize * Math.Max(1, batching.Instances) * 2);
        var arrayBytes = (long)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, sampleLength)) * sizeof(float);
        return (int)Math.Clamp(Math.Min(wanted, InputPoolBytes / arrayBytes), 1, int.MaxValue);
    }

    /// <summary>
    /// Whether an input decoded by this model's decoder is valid input to <paramref name="other"/> (a request that
    /// raced a swap may then run on the new version).
    /// </summary>
    public bool SameInput(ServedModel other)
    {
        var (a, b) = (Signature, other.Signature);
        return a.SampleShape.SequenceEqual(b.SampleShape) && a.Datatype == b.Datatype && a.Scale.Equals(b.Scale) &&
            a.Mean.SequenceEqual(b.Mean) && a.Std.SequenceEqual(b.Std) && a.Range == b.Range;
    }

    /// <summary>Stops taking requests; those queued still run. Returns false when already retired.</summary>
    public bool Retire()
    {
        if (Interlocked.Exchange(ref _retired, 1) == 1)
        {
            return false;
        }

        Queue.Close();
        return true;
    }

    public void Dispose() => Classifier.Dispose();
}
