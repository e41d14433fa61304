using System.Threading.Channels;

namespace HiPortal.Server.Inference;

public enum EnqueueResult
{
    Accepted,
    Full,
    /// <summary>The model is being retired (a hot swap moved its fleets away): route again.</summary>
    Closed,
}

/// <summary>
/// The bounded queue in front of one served model's worker. Its bound covers every request that has not started
/// running, including those the worker is still collecting into a batch. Enqueueing never waits: a full queue says so
/// at once and the endpoint answers 503 with Retry-After.
/// </summary>
/// <remarks>
/// Bounded by count only: every request holds exactly one model input of a fixed size, so a byte bound would
/// always be count × input size and could never be the one that triggers.
/// </remarks>
public sealed class BatchingQueue(int capacity)
{
    private readonly Channel<InferenceRequest> _channel = Channel.CreateUnbounded<InferenceRequest>(
        new UnboundedChannelOptions { SingleReader = false });

    private int _waiting;

    /// <summary>Requests accepted but not yet running.</summary>
    public int Depth => Volatile.Read(ref _waiting);

    public ChannelReader<InferenceRequest> Reader => _channel.Reader;

    /// <summary>Raised after a request was accepted, with the depth it made (a signal for diagnostics and tests).</summary>
    public event Action<int>? Enqueued;

    public EnqueueResult TryEnqueue(InferenceRequest request)
    {
        var depth = Interlocked.Increment(ref _waiting);
        if (depth > capacity)
        {
            Interlocked.Decrement(ref _waiting);
            return EnqueueResult.Full;
        }

        if (!_channel.Writer.TryWrite(request))
        {
            Left(1);
            return EnqueueResult.Closed;
        }

        request.ArmDeadline();
        Enqueued?.Invoke(depth);
        return EnqueueResult.Accepted;
    }

    /// <summary>The worker started running (or dropped) <paramref name="count"/> requests: they no longer wait.</summary>
    public void Left(int count) => Interlocked.Add(ref _waiting, -count);

    /// <summary>Stop taking requests (shutdown or retirement); queued ones still run.</summary>
    public void Close() => _channel.Writer.TryComplete();
}
