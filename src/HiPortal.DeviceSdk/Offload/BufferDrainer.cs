using HiPortal.Contracts;
using HiPortal.DeviceSdk.Transport;

namespace HiPortal.DeviceSdk.Offload;

/// <summary>
/// Empties the offline buffer once the server answers again: waits (backoff, or the server's Retry-After), then
/// sends the oldest offload; on success it goes on with the next at once, on a transient failure it puts the
/// offload back and waits longer. One drainer at a time: the buffer says when to start one and when it is done.
/// </summary>
internal sealed class BufferDrainer(OfflineBuffer buffer, OffloadSender sender, Backoff backoff, TimeProvider time,
    DeviceCounters counters)
{
    public async Task RunAsync(CancellationToken stopping)
    {
        var failures = 1;
        TimeSpan? retryAfter = null;
        try
        {
            while (true)
            {
                await Task.Delay(backoff.Next(failures, retryAfter), time, stopping);
                var (failure, delivered) = await SendUntilEmptyOrFailureAsync(stopping);
                if (failure is null)
                    return;
                // A drain that got some through saw a live server: back off from the start again, not from where the
                // outage left off (which could be the 30 s ceiling).
                failures = delivered ? 1 : failures + 1;
                retryAfter = failure.Value.RetryAfter;
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Disposed: the client abandons what is left.
        }
    }

    public void Drop(PendingOffload? dropped)
    {
        if (dropped is null)
            return;
        counters.Update(s => s.Dropped++);
        dropped.Abandon();
    }

    /// <summary>
    /// Failure null when the buffer ran empty (this drainer is done); else the transient failure that stopped it.
    /// Delivered says whether any offload got an answer on the way.
    /// </summary>
    private async Task<(CallResult<OffloadResponse>? Failure, bool Delivered)> SendUntilEmptyOrFailureAsync(CancellationToken stopping)
    {
        var delivered = false;
        while (buffer.TryTakeOldest(out var offload))
        {
            CallResult<OffloadResponse> result;
            try
            {
                result = await sender.SendOnceAsync(offload!, stopping);
            }
            catch (OperationCanceledException)
            {
                offload!.Abandon();
                throw;
            }

            if (result.Value is { } answer)
            {
                delivered = true;
                counters.Update(s => s.Drained++);
                offload!.Answer(answer);
            }
            else if (!result.IsTransient)
            {
                offload!.Refuse(OffloadSender.Refusal(offload, result));
            }
            else
            {
                Drop(buffer.ReturnOldest(offload!));
                return (result, delivered);
            }
        }

        return (null, delivered);
    }
}
