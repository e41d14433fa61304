using System.Threading.Channels;
using HiPortal.Contracts;
using HiPortal.DeviceSdk.Transport;

namespace HiPortal.DeviceSdk.Offload;

/// <summary>
/// Gathers the tries of many offloads into batch requests: a batch goes when it holds
/// <see cref="HiDeviceOptions.OffloadBatchSize"/> offloads or its first has waited <see cref="HiDeviceOptions.OffloadBatchDelay"/>.
/// Each offload gets its own item's answer as if it had been sent alone (a result, or a classified failure its sender
/// retries or buffers); a failure of the whole request is every item's. Batches are sent concurrently, so the next
/// one gathers while one is in flight.
/// </summary>
internal sealed class OffloadBatcher(DeviceHttp http, int maxItems, TimeSpan delay, TimeProvider time, CancellationToken stopping)
{
    private readonly Channel<Waiting> _waiting = Channel.CreateUnbounded<Waiting>();
    private Task? _loop;

    private sealed record Waiting(PendingOffload Offload, TaskCompletionSource<CallResult<OffloadResponse>> Answer);

    public Task<CallResult<OffloadResponse>> SendAsync(PendingOffload offload, CancellationToken cancellationToken)
    {
        var waiting = new Waiting(offload, new(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_waiting.Writer.TryWrite(waiting))
            throw new OperationCanceledException(stopping);
        if (_loop is null)
            Interlocked.CompareExchange(ref _loop, Task.Run(RunAsync, CancellationToken.None), null);
        return waiting.Answer.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Stops gathering; what is still waiting is cancelled (its senders abandon or buffer it as on shutdown).</summary>
    public async Task StopAsync()
    {
        _waiting.Writer.TryComplete();
        if (_loop is { } loop)
            await loop;
        while (_waiting.Reader.TryRead(out var left))
            left.Answer.TrySetCanceled(stopping);
    }

    private async Task RunAsync()
    {
        var inFlight = new List<Task>();
        try
        {
            while (await _waiting.Reader.WaitToReadAsync(stopping))
            {
                var batch = await GatherAsync();
                inFlight.RemoveAll(t => t.IsCompleted);
                inFlight.Add(SendBatchAsync(batch));
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Disposed: StopAsync cancels what still waits.
        }

        await Task.WhenAll(inFlight);
    }

    /// <summary>Called when an offload waits: takes it and what follows, until the batch is full or its delay is up.</summary>
    private async Task<List<Waiting>> GatherAsync()
    {
        var batch = new List<Waiting>(maxItems);
        // The delay counts from the batch's first offload, on the device's clock.
        using var delayed = new CancellationTokenSource(delay, time);
        using var window = CancellationTokenSource.CreateLinkedTokenSource(stopping, delayed.Token);
        while (batch.Count < maxItems)
        {
            if (_waiting.Reader.TryRead(out var next))
            {
                batch.Add(next);
                continue;
            }

            try
            {
                if (!await _waiting.Reader.WaitToReadAsync(window.Token))
                    break;
            }
            catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
            {
                break;
            }
        }

        return batch;
    }

    private async Task SendBatchAsync(List<Waiting> batch)
    {
        var body = new MemoryStream();
        foreach (var waiting in batch)
            waiting.Offload.WriteFrame(body);
        var content = new ByteArrayContent(body.GetBuffer(), 0, (int)body.Length);
        content.Headers.ContentType = new(WireHeaders.BinaryContentType);
        using var request = new HttpRequestMessage(HttpMethod.Post, DeviceRoutes.OffloadsBatch) { Content = content };
        CallResult<OffloadBatchResponse> result;
        try
        {
            result = await http.SendAsync(request, ContractsJson.Default.OffloadBatchResponse, stopping);
        }
        catch (OperationCanceledException)
        {
            batch.ForEach(w => w.Answer.TrySetCanceled(stopping));
            return;
        }

        for (var i = 0; i < batch.Count; i++)
            batch[i].Answer.TrySetResult(ItemResult(result, i));
    }

    /// <summary>One item's answer as a single request's result; the whole request's failure when it failed.</summary>
    private static CallResult<OffloadResponse> ItemResult(CallResult<OffloadBatchResponse> result, int index)
    {
        if (result.Value is not { } answer)
            return new(null, result.Error, result.Status, result.RetryAfter, result.Detail, result.Elapsed);
        if (index >= answer.Items.Count)
            return new(null, HiDeviceErrorKind.ServerError, result.Status, null, "the batch answer lacks this item", result.Elapsed);
        var item = answer.Items[index];
        if (item.Result is { } ok)
            return new(ok, null, (System.Net.HttpStatusCode)item.Status, null, null, result.Elapsed);
        var status = (System.Net.HttpStatusCode)item.Status;
        return new(null, CallResult<OffloadResponse>.Classify(status), status, result.RetryAfter, item.Error?.Detail, result.Elapsed);
    }
}
