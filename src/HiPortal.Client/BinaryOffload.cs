using System.Globalization;
using System.Net.Http.Headers;
using HiPortal.Contracts;

namespace HiPortal.Client;

/// <summary>An offload in its compact binary form: the sample's bytes as the body, its metadata as headers.</summary>
public sealed record BinaryOffload(string SampleId, ReadOnlyMemory<byte> Data, int LocalClass, double LocalConfidence)
{
    public int? Label { get; init; }

    public string? Datatype { get; init; }

    public long? LocalMicros { get; init; }

    /// <summary>An exploration offload: the device's rule would have kept the sample.</summary>
    public bool Exploration { get; init; }

    /// <summary>A request a caller may still add to (a deadline header, say) before sending.</summary>
    public HttpRequestMessage ToRequest()
    {
        var content = new ReadOnlyMemoryContent(Data);
        content.Headers.ContentType = new MediaTypeHeaderValue(WireHeaders.BinaryContentType);
        var request = new HttpRequestMessage(HttpMethod.Post, Routes.Offloads) { Content = content };
        foreach (var (name, value) in Headers())
        {
            request.Headers.Add(name, value);
        }

        if (Exploration)
        {
            request.Headers.Add(WireHeaders.Exploration, "true");
        }

        return request;
    }

    /// <summary>The metadata headers, as the single request sends them and a batch frame carries them.</summary>
    public IEnumerable<KeyValuePair<string, string>> Headers()
    {
        yield return new(WireHeaders.SampleId, SampleId);
        yield return new(WireHeaders.LocalClass, LocalClass.ToString(CultureInfo.InvariantCulture));
        yield return new(WireHeaders.LocalConfidence, LocalConfidence.ToString("R", CultureInfo.InvariantCulture));
        if (Label is { } label)
        {
            yield return new(WireHeaders.Label, label.ToString(CultureInfo.InvariantCulture));
        }

        if (Datatype is { } datatype)
        {
            yield return new(WireHeaders.Datatype, datatype);
        }

        if (LocalMicros is { } micros)
        {
            yield return new(WireHeaders.LocalMicros, micros.ToString(CultureInfo.InvariantCulture));
        }
    }
}
