using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace HiPortal.Testing.Data;

/// <summary>
/// Writes .npy bytes by hand, per NumPy's format spec (magic, version 1.0, little-endian u2 header length, a dict
/// literal padded with spaces to a multiple of 64 and ended by '\n', then the raw elements), and .npz archives of
/// them. Independent of the reader under test; also builds IDX files.
/// </summary>
public static class NpyWriter
{
    public static byte[] Npy(string descr, long[] shape, ReadOnlySpan<byte> data, bool fortranOrder = false)
    {
        var dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
        var dict = $"{{'descr': '{descr}', 'fortran_order': {(fortranOrder ? "True" : "False")}, 'shape': ({dims}), }}";
        var unpadded = 10 + dict.Length + 1;
        var header = dict + new string(' ', ((unpadded + 63) / 64 * 64) - unpadded) + "\n";
        using var stream = new MemoryStream();
        stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
        stream.Write(length);
        stream.Write(Encoding.Latin1.GetBytes(header));
        stream.Write(data);
        return stream.ToArray();
    }

    public static byte[] Int16(short[] values)
    {
        var bytes = new byte[values.Length * 2];
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(i * 2), values[i]);
        return bytes;
    }

    public static byte[] Int64(long[] values)
    {
        var bytes = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), values[i]);
        return bytes;
    }

    public static byte[] Float32(float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }

    /// <summary>An .npz: each array a zip member "{name}.npy", deflated as np.savez_compressed writes them.</summary>
    public static void WriteNpz(string path, params (string Name, byte[] Npy)[] arrays)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, npy) in arrays)
        {
            using var entry = zip.CreateEntry(name + ".npy", CompressionLevel.Fastest).Open();
            entry.Write(npy);
        }
    }

    /// <summary>An IDX file: 0, 0, type code, dims, big-endian sizes, then big-endian elements.</summary>
    public static byte[] Idx(byte typeCode, int[] shape, ReadOnlySpan<byte> bigEndianData)
    {
        var bytes = new byte[4 + (4 * shape.Length) + bigEndianData.Length];
        (bytes[2], bytes[3]) = (typeCode, (byte)shape.Length);
        for (var i = 0; i < shape.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + (4 * i)), shape[i]);
        bigEndianData.CopyTo(bytes.AsSpan(4 + (4 * shape.Length)));
        return bytes;
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(bytes);
        return output.ToArray();
    }
}
