using System.Buffers.Binary;
using HiPortal.Core.Inference;

namespace HiPortal.Core.Data;

/// <summary>Where labelled samples come from: a file of samples (.npy, .npz or IDX) and, unless the samples file
/// is an .npz holding both, a file of labels. Array names apply to .npz only.</summary>
public sealed record LabelledDataSource(string Samples, string? Labels = null, string SamplesArray = "x", string LabelsArray = "y");

/// <summary>
/// Loads labelled samples for any model: the first axis is the sample, the rest is flattened (C order) and must hold
/// as many elements as the model's sample; labels are one integer per sample (u1, i4 or i8) in 0..255.
/// Sample dtypes map to wire datatypes: u1 UINT8, i1 INT8, i2 INT16, f2 FP16, f4 FP32.
/// </summary>
public static class LabelledData
{
    public static LabelledSamples Load(LabelledDataSource source)
    {
        NumericArray x, y;
        if (IsNpz(source.Samples))
        {
            var arrays = Npy.ReadArchive(source.Samples);
            x = Named(arrays, source.Samples, source.SamplesArray);
            y = source.Labels is null ? Named(arrays, source.Samples, source.LabelsArray) : Read(source.Labels, source.LabelsArray);
        }
        else
        {
            x = Read(source.Samples, source.SamplesArray);
            y = source.Labels is null
                ? throw new ArgumentException($"{source.Samples}: a labels file is needed beside a samples file that is not an .npz")
                : Read(source.Labels, source.LabelsArray);
        }

        return FromArrays(x, y);
    }

    public static LabelledSamples FromArrays(NumericArray x, NumericArray y)
    {
        var datatype = x.Type switch
        {
            ElementType.UInt8 => SampleDatatype.Uint8,
            ElementType.Int8 => SampleDatatype.Int8,
            ElementType.Int16 => SampleDatatype.Int16,
            ElementType.Float16 => SampleDatatype.Fp16,
            ElementType.Float32 => SampleDatatype.Fp32,
            _ => throw new InvalidDataException($"{x.Source}: samples of type {x.Type} are not a wire datatype (UINT8, INT8, INT16, FP16, FP32)"),
        };
        if (x.Shape.Count < 2 || x.Shape[0] == 0)
            throw new InvalidDataException($"{x.Source}: samples need shape (N, ...) with N ≥ 1 and a sample axis; got {x.ShapeText}");
        var count = x.Shape[0];
        var length = x.Shape.Skip(1).Aggregate(1L, (a, d) => a * d);
        if (length is < 1 or > int.MaxValue)
            throw new InvalidDataException($"{x.Source}: a sample of {length} elements is not usable");
        if (y.Shape.Count != 1 && !(y.Shape.Count == 2 && y.Shape[1] == 1))
            throw new InvalidDataException($"{y.Source}: labels need shape (N,); got {y.ShapeText}");
        if (y.Shape[0] != count)
            throw new InvalidDataException($"{y.Source}: {y.Shape[0]} labels for {count} samples in {x.Source}");
        return new LabelledSamples(datatype, (int)length, x.Data, Labels(y));
    }

    private static byte[] Labels(NumericArray y)
    {
        var size = NumericArray.ElementBytes(y.Type);
        var labels = new byte[y.Count];
        for (var i = 0; i < labels.Length; i++)
        {
            var element = y.Data.AsSpan(i * size, size);
            long value = y.Type switch
            {
                ElementType.UInt8 => element[0],
                ElementType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(element),
                ElementType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(element),
                _ => throw new InvalidDataException($"{y.Source}: labels of type {y.Type} are not supported (u1, i4 or i8 are)"),
            };
            labels[i] = value is >= 0 and <= byte.MaxValue
                ? (byte)value
                : throw new InvalidDataException($"{y.Source}: label {value} at index {i} is outside 0..255");
        }

        return labels;
    }

    private static NumericArray Read(string path, string arrayName) => IsNpz(path)
        ? Named(Npy.ReadArchive(path), path, arrayName)
        : path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) ? Npy.Read(path) : Idx.Read(path);

    private static NumericArray Named(IReadOnlyDictionary<string, NumericArray> arrays, string path, string name) =>
        arrays.TryGetValue(name, out var array) ? array
        : throw new InvalidDataException($"{path}: no array '{name}' (it has {string.Join(", ", arrays.Keys.Order(StringComparer.Ordinal))})");

    private static bool IsNpz(string path) => path.EndsWith(".npz", StringComparison.OrdinalIgnoreCase);
}
