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
                var failure = await SendUntilEmptyOrFailureAsync(stopping);
                if (failure is null)
                    return;
                failures++;
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

    /// <summary>Null when the buffer ran empty (this drainer is done); else the transient failure that stopped it.</summary>
    private async Task<CallResult<ServerAnswer>?> SendUntilEmptyOrFailureAsync(CancellationToken stopping)
    {
        while (buffer.TryTakeOldest(out var offload))
        {
            CallResult<ServerAnswer> result;
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
                return result;
            }
        }

        return null;
    }
}
