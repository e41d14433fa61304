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
    }

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

    /// <summary>A pooled buffer that holds one decoded sample of this model.</summary>
    public float[] RentInput() => ArrayPool<float>.Shared.Rent(Signature.SampleLength);

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
