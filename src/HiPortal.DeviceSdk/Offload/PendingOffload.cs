using System.Globalization;
using System.Net.Http.Headers;
using HiPortal.Contracts;
using HiPortal.DeviceSdk.Transport;

namespace HiPortal.DeviceSdk.Offload;

/// <summary>
/// One sample on its way to the server. Every try sends the same id and the same bytes and headers, so the server
/// recognises a retry (and answers it from storage) instead of counting the sample twice.
/// </summary>
internal sealed class PendingOffload(string sampleId, string datatype, byte[] pixels, int localClass, float localConfidence,
    long localMicros, int? label, DateTimeOffset capturedAt, bool explored = false)
{
    private readonly TaskCompletionSource<OffloadResponse?> _deferred = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string SampleId { get; } = sampleId;

    public int Bytes => pixels.Length;

    /// <summary>Completes when a buffered offload is answered, dropped or refused.</summary>
    public Task<OffloadResponse?> Deferred => _deferred.Task;

    public HttpRequestMessage ToRequest()
    {
        var content = new ByteArrayContent(pixels);
        content.Headers.ContentType = new MediaTypeHeaderValue(WireHeaders.BinaryContentType);
        var request = new HttpRequestMessage(HttpMethod.Post, DeviceRoutes.Offloads) { Content = content };
        foreach (var (name, value) in Headers())
            request.Headers.Add(name, value);
        return request;
    }

    /// <summary>Appends this offload as one frame of a binary batch: the same headers and bytes as its single request.</summary>
    public void WriteFrame(Stream batch) => OffloadBatchFrames.Write(batch, Headers(), pixels);

    private IEnumerable<KeyValuePair<string, string>> Headers()
    {
        yield return new(WireHeaders.SampleId, SampleId);
        yield return new(WireHeaders.Datatype, datatype);
        yield return new(WireHeaders.LocalClass, localClass.ToString(CultureInfo.InvariantCulture));
        // "R" round-trips the value, so the server's payload hash is the same on every try.
        yield return new(WireHeaders.LocalConfidence, ((double)localConfidence).ToString("R", CultureInfo.InvariantCulture));
        yield return new(WireHeaders.LocalMicros, localMicros.ToString(CultureInfo.InvariantCulture));
        yield return new(WireHeaders.CapturedAt, capturedAt.ToString("O", CultureInfo.InvariantCulture));
        if (explored)
            yield return new(WireHeaders.Exploration, "true");
        if (label is { } l)
            yield return new(WireHeaders.Label, l.ToString(CultureInfo.InvariantCulture));
    }

    public void Answer(OffloadResponse answer) => _deferred.TrySetResult(answer);

    public void Abandon() => _deferred.TrySetResult(null);

    public void Refuse(HiDeviceException error) => _deferred.TrySetException(error);
}
