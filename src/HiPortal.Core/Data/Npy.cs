using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace HiPortal.Core.Data;

/// <summary>
/// Reads NumPy's <c>.npy</c> format (versions 1 to 3: magic, header length, a Python-literal dict with descr,
/// fortran_order and shape, then the raw elements) and <c>.npz</c> (a zip of .npy files, stored or deflated).
/// Accepted dtypes: u1, i1, i2, f2, f4, i4, i8, little-endian or single-byte; C order only.
/// </summary>
public static partial class Npy
{
    private static readonly byte[] s_magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static NumericArray Read(string path)
    {
        using var stream = OpenExisting(path);
        return Read(stream, path);
    }

    /// <summary>Every array of an .npz, by name (the member's file name without ".npy").</summary>
    public static IReadOnlyDictionary<string, NumericArray> ReadArchive(string path)
    {
        using var stream = OpenExisting(path);
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"{path}: not an .npz (zip) archive ({ex.Message})", ex);
        }

        using (zip)
        {
            var arrays = new Dictionary<string, NumericArray>(StringComparer.Ordinal);
            foreach (var entry in zip.Entries.Where(e => e.FullName.EndsWith(".npy", StringComparison.Ordinal)))
            {
                var name = entry.FullName[..^4];
                using var member = entry.Open();
                using var buffer = new MemoryStream();
                member.CopyTo(buffer);
                buffer.Position = 0;
                arrays[name] = Read(buffer, $"{path}:{name}");
            }

            return arrays;
        }
    }

    /// <summary>Reads one .npy from <paramref name="stream"/>; <paramref name="source"/> names it in errors.</summary>
    public static NumericArray Read(Stream stream, string source)
    {
        Span<byte> prefix = stackalloc byte[8];
        if (stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false) < 8 || !prefix[..6].SequenceEqual(s_magic))
            throw new InvalidDataException($"{source}: not a .npy array (no \\x93NUMPY magic)");
        var major = prefix[6];
        if (major is < 1 or > 3)
            throw new InvalidDataException($"{source}: .npy version {major} is not supported (1 to 3 are)");
        Span<byte> lengthBytes = stackalloc byte[4];
        var lengthSize = major == 1 ? 2 : 4;
        stream.ReadExactly(lengthBytes[..lengthSize]);
        var headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(lengthBytes) : (int)BinaryPrimitives.ReadUInt32LittleEndian(lengthBytes);
        if (headerLength is < 0 or > 1 << 20)
            throw new InvalidDataException($"{source}: header length {headerLength} is not plausible");
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        var text = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(header);
        var (type, shape) = ParseHeader(text, source);

        var count = shape.Aggregate(1L, (a, d) => a * d);
        var bytes = count * NumericArray.ElementBytes(type);
        if (bytes > Array.MaxLength)
            throw new InvalidDataException($"{source}: {bytes} bytes of data is more than one array can hold");
        var data = new byte[bytes];
        var read = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (read < data.Length)
            throw new InvalidDataException($"{source}: shape ({string.Join(", ", shape)}) needs {bytes} bytes of data, the file has {read}");
        return new NumericArray(type, shape, data, source);
    }

    private static (ElementType Type, long[] Shape) ParseHeader(string header, string source)
    {
        var descr = DescrPattern().Match(header);
        var fortran = FortranPattern().Match(header);
        var shape = ShapePattern().Match(header);
        if (!descr.Success || !fortran.Success || !shape.Success)
            throw new InvalidDataException($"{source}: .npy header is not a dict with descr, fortran_order and shape: {header.Trim()}");
        if (fortran.Groups[1].Value == "True")
            throw new InvalidDataException($"{source}: Fortran-order arrays are not supported; save with np.ascontiguousarray");

        var dtype = descr.Groups[1].Value;
        var type = dtype switch
        {
            "|u1" or "<u1" or "u1" or "|b1" => ElementType.UInt8,
            "|i1" or "<i1" or "i1" => ElementType.Int8,
            "<i2" => ElementType.Int16,
            "<f2" => ElementType.Float16,
            "<f4" => ElementType.Float32,
            "<i4" => ElementType.Int32,
            "<i8" => ElementType.Int64,
            _ => throw new InvalidDataException(
                $"{source}: dtype '{dtype}' is not supported; use little-endian u1, i1, i2, f2, f4 (samples) or u1, i4, i8 (labels)"),
        };
        var dims = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => long.TryParse(d, out var n) && n >= 0 ? n : throw new InvalidDataException($"{source}: shape entry '{d}' is not a size"))
            .ToArray();
        return (type, dims);
    }

    private static FileStream OpenExisting(string path) =>
        File.Exists(path) ? File.OpenRead(path) : throw new FileNotFoundException($"data file not found: {path}", path);

    [GeneratedRegex(@"['""]descr['""]\s*:\s*['""]([^'""]+)['""]")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"['""]fortran_order['""]\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"['""]shape['""]\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
