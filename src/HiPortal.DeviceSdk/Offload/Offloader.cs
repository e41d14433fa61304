using HiPortal.Contracts;

namespace HiPortal.DeviceSdk.Offload;

/// <summary>Where an offload ended: answered (with the last try's result) or buffered.</summary>
internal readonly record struct Offloaded(OffloadResponse? Answer, TimeSpan RoundTrip, int Attempts);

/// <summary>
/// Gets offloads to the server: straight away with retries while it answers, else through the offline buffer,
/// which one background drainer empties once it is back.
/// </summary>
internal sealed class Offloader(OffloadSender sender, OfflineBuffer buffer, BufferDrainer drainer, DeviceCounters counters,
    int maxRetries, CancellationToken stopping)
{
    private readonly List<Task> _drainers = [];

    public int BufferedCount => buffer.Count;

    /// <exception cref="HiDeviceException">The server refused the offload for good.</exception>
    public async Task<Offloaded> OffloadAsync(PendingOffload offload, CancellationToken cancellationToken)
    {
        // Offline: queue behind the older offloads rather than try a server that just failed.
        if (buffer.IsOffline)
            return Buffer(offload, attempts: 0);

        var outcome = await sender.SendAsync(offload, maxRetries, cancellationToken);
        if (outcome.Last.Value is { } answer)
            return new Offloaded(answer, outcome.Last.Elapsed, outcome.Attempts);
        if (!outcome.Last.IsTransient)
            throw OffloadSender.Refusal(offload, outcome.Last);
        return Buffer(offload, outcome.Attempts);
    }

    /// <summary>Waits for the drainer to stop (after cancellation) and abandons what is still buffered.</summary>
    public async Task StopAsync()
    {
        Task[] drainers;
        lock (_drainers)
            drainers = [.. _drainers];
        await Task.WhenAll(drainers);
        foreach (var offload in buffer.Clear())
            offload.Abandon();
    }

    private Offloaded Buffer(PendingOffload offload, int attempts)
    {
        var (dropped, startDrainer) = buffer.Add(offload);
        counters.Update(s => s.Buffered++);
        drainer.Drop(dropped);
        if (startDrainer)
        {
            lock (_drainers)
            {
                _drainers.RemoveAll(t => t.IsCompleted);
                _drainers.Add(drainer.RunAsync(stopping));
            }
        }

        return new Offloaded(null, TimeSpan.Zero, attempts);
    }
}
