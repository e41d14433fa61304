using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Inference;

/// <summary>
/// The bounded queue in front of the worker, bounded by count and by bytes. Enqueueing never waits: a full queue
/// says so at once and the endpoint answers 503 with Retry-After.
/// </summary>
public sealed class BatchingQueue
{
    private readonly Channel<InferenceRequest> _channel;
    private readonly long _capacityBytes;
    private long _bytes;

    public BatchingQueue(IOptions<BatchingOptions> options)
    {
        _capacityBytes = options.Value.QueueCapacityBytes;
        _channel = Channel.CreateBounded<InferenceRequest>(new BoundedChannelOptions(options.Value.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public int Depth => _channel.Reader.Count;

    public long Bytes => Interlocked.Read(ref _bytes);

    public ChannelReader<InferenceRequest> Reader => _channel.Reader;

    public bool TryEnqueue(InferenceRequest request)
    {
        if (Interlocked.Add(ref _bytes, InferenceRequest.InputBytes) > _capacityBytes)
        {
            Interlocked.Add(ref _bytes, -InferenceRequest.InputBytes);
            return false;
        }

        if (_channel.Writer.TryWrite(request))
        {
            return true;
        }

        Interlocked.Add(ref _bytes, -InferenceRequest.InputBytes);
        return false;
    }

    /// <summary>Called by the worker for each request it takes off the queue.</summary>
    public void Dequeued() => Interlocked.Add(ref _bytes, -InferenceRequest.InputBytes);

    /// <summary>Stop taking requests (shutdown); queued ones still run.</summary>
    public void Close() => _channel.Writer.TryComplete();
}
