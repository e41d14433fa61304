namespace HiPortal.Core.Data;

/// <summary>The element types the .npy and IDX readers accept, named as NumPy's dtype strings name them.</summary>
public enum ElementType
{
    UInt8,
    Int8,
    Int16,
    Float16,
    Float32,
    Int32,
    Int64,
}

/// <summary>
/// An n-dimensional array read from a file, in C order with little-endian elements whatever the file's byte order,
/// and where it came from (file and array name), so every later error can say which array is wrong.
/// </summary>
public sealed record NumericArray(ElementType Type, IReadOnlyList<long> Shape, byte[] Data, string Source)
{
    public long Count => Shape.Aggregate(1L, (a, d) => a * d);

    public static int ElementBytes(ElementType type) => type switch
    {
        ElementType.UInt8 or ElementType.Int8 => 1,
        ElementType.Int16 or ElementType.Float16 => 2,
        ElementType.Float32 or ElementType.Int32 => 4,
        _ => 8,
    };

    public string ShapeText => $"({string.Join(", ", Shape)})";
}
