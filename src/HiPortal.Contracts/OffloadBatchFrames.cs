using System.Buffers.Binary;
using System.Text;

namespace HiPortal.Contracts;

/// <summary>
/// The binary form of a batch (<c>POST /api/v1/offloads/batch</c> as <c>application/octet-stream</c>): the single
/// binary form's parts, framed. Frames follow each other to the end of the body, each
/// <c>u16 LE metaLength | meta | u32 LE sampleLength | sample</c>, where <c>meta</c> is the single form's
/// X-HiPortal-* headers as ASCII <c>Name: value</c> lines ending in LF, and <c>sample</c> is what the single form sends
/// as its body. The request's own headers (the deadline) apply to every frame.
/// </summary>
public static class OffloadBatchFrames
{
    public const int MetaLengthBytes = sizeof(ushort);
    public const int SampleLengthBytes = sizeof(uint);

    /// <summary>Appends one frame: <paramref name="headers"/> (name, value) and the sample's bytes.</summary>
    public static void Write(Stream destination, IEnumerable<KeyValuePair<string, string>> headers, ReadOnlySpan<byte> sample)
    {
        var meta = new StringBuilder();
        foreach (var (name, value) in headers)
        {
            meta.Append(name).Append(": ").Append(value).Append('\n');
        }

        var metaBytes = Encoding.ASCII.GetBytes(meta.ToString());
        if (metaBytes.Length > ushort.MaxValue)
        {
            throw new ArgumentException($"a frame's headers must fit in {ushort.MaxValue} bytes", nameof(headers));
        }

        Span<byte> length = stackalloc byte[SampleLengthBytes];
        BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)metaBytes.Length);
        destination.Write(length[..MetaLengthBytes]);
        destination.Write(metaBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)sample.Length);
        destination.Write(length);
        destination.Write(sample);
    }
}
