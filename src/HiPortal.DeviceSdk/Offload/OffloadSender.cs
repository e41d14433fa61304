using HiPortal.Contracts;
using HiPortal.DeviceSdk.Transport;

namespace HiPortal.DeviceSdk.Offload;

/// <summary>What sending one offload came to, after its tries.</summary>
internal readonly record struct OffloadOutcome(CallResult<OffloadResponse> Last, int Attempts);

/// <summary>
/// Sends an offload, retrying transient failures with backoff (honouring Retry-After) under the same sample id.
/// Counts every try: transmissions and bytes for telemetry, errors by kind.
/// </summary>
/// <remarks>With a <paramref name="batcher"/>, every try goes out in a batch request with whatever else is waiting.</remarks>
internal sealed class OffloadSender(DeviceHttp http, Backoff backoff, TimeProvider time, DeviceCounters counters,
    Action<long> observeConfigVersion, OffloadBatcher? batcher = null)
{
    public async Task<OffloadOutcome> SendAsync(PendingOffload offload, int maxRetries, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var result = await SendOnceAsync(offload, cancellationToken);
            if (result.Succeeded || !result.IsTransient || attempt > maxRetries)
                return new OffloadOutcome(result, attempt);

            counters.Update(s => s.Retries++);
            await Task.Delay(backoff.Next(attempt, result.RetryAfter), time, cancellationToken);
        }
    }

    public async Task<CallResult<OffloadResponse>> SendOnceAsync(PendingOffload offload, CancellationToken cancellationToken)
    {
        var result = batcher is null ? await SendAloneAsync(offload, cancellationToken) : await batcher.SendAsync(offload, cancellationToken);
        counters.Update(s =>
        {
            s.Transmissions++;
            s.BytesSent += offload.Bytes;
            if (result.Value is { } answer)
            {
                s.Answered++;
                s.Replayed += answer.Replayed ? 1 : 0;
                s.OffloadRttCount++;
                s.OffloadRttMicrosSum += (long)result.Elapsed.TotalMicroseconds;
            }
            else if (result.Error is { } error)
            {
                s.CountError(error);
            }
        });
        if (result.Value is { } ok)
            observeConfigVersion(ok.ConfigVersion);
        return result;
    }

    private async Task<CallResult<OffloadResponse>> SendAloneAsync(PendingOffload offload, CancellationToken cancellationToken)
    {
        using var request = offload.ToRequest();
        return await http.SendAsync(request, ContractsJson.Default.OffloadResponse, cancellationToken);
    }

    public static HiDeviceException Refusal(PendingOffload offload, CallResult<OffloadResponse> result) => new(
        result.Error!.Value, result.Status, offload.SampleId, result.Error == HiDeviceErrorKind.Conflict
            ? $"Sample id '{offload.SampleId}' was already used for a different payload: {result.Detail}"
            : $"The server refused sample '{offload.SampleId}' ({(int?)result.Status} {result.Error}): {result.Detail}");
}
