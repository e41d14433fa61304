using System.Buffers.Binary;
using System.IO.Compression;

namespace HiPortal.Core.Data;

/// <summary>
/// Reads IDX files (LeCun's MNIST format: two zero bytes, a type code, the dimension count, big-endian int32 sizes,
/// then big-endian elements), gzipped or not. Types: 0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int, 0x0D float.
/// </summary>
public static class Idx
{
    public static NumericArray Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"data file not found: {path}", path);
        var raw = File.ReadAllBytes(path);
        if (raw is [0x1f, 0x8b, ..])
        {
            using var gzip = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
            using var buffer = new MemoryStream();
            gzip.CopyTo(buffer);
            raw = buffer.ToArray();
        }

        if (raw.Length < 4 || raw[0] != 0 || raw[1] != 0)
            throw new InvalidDataException($"{path}: not an IDX file (the first two bytes must be zero)");
        var type = raw[2] switch
        {
            0x08 => ElementType.UInt8,
            0x09 => ElementType.Int8,
            0x0B => ElementType.Int16,
            0x0C => ElementType.Int32,
            0x0D => ElementType.Float32,
            _ => throw new InvalidDataException($"{path}: IDX type 0x{raw[2]:x2} is not supported (ubyte, byte, short, int, float are)"),
        };
        var dims = raw[3];
        var offset = 4 + (4 * dims);
        if (dims == 0 || raw.Length < offset)
            throw new InvalidDataException($"{path}: IDX header declares {dims} dimensions but is cut short");
        var shape = new long[dims];
        for (var i = 0; i < dims; i++)
            shape[i] = BinaryPrimitives.ReadInt32BigEndian(raw.AsSpan(4 + (4 * i)));
        var size = NumericArray.ElementBytes(type);
        var expected = shape.Aggregate(1L, (a, d) => a * d) * size;
        if (raw.Length - offset != expected)
            throw new InvalidDataException($"{path}: header says {expected} bytes of data, file has {raw.Length - offset}");

        var data = raw.AsSpan(offset).ToArray();
        if (size > 1)
            ToLittleEndian(data, size);
        return new NumericArray(type, shape, data, path);
    }

    // NumericArray holds little-endian elements (the wire's order) whatever the machine's.
    private static void ToLittleEndian(Span<byte> data, int size)
    {
        for (var i = 0; i < data.Length; i += size)
            data.Slice(i, size).Reverse();
    }
}
