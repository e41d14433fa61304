namespace HiPortal.Core.Inference;

/// <summary>The element type of one sample as a device sends it (Open Inference Protocol names, little-endian).</summary>
public enum SampleDatatype
{
    Uint8,
    Int8,
    Int16,
    Fp16,
    Fp32,
}

public static class SampleDatatypes
{
    /// <summary>The wire names a card or a request may use, in the order documentation lists them.</summary>
    public static readonly IReadOnlyList<string> Names = ["UINT8", "INT8", "INT16", "FP16", "FP32"];

    public static bool TryParse(string? name, out SampleDatatype datatype)
    {
        for (var i = 0; i < Names.Count; i++)
        {
            if (string.Equals(name, Names[i], StringComparison.OrdinalIgnoreCase))
            {
                datatype = (SampleDatatype)i;
                return true;
            }
        }

        datatype = default;
        return false;
    }

    public static string Name(this SampleDatatype datatype) => Names[(int)datatype];

    public static int ElementBytes(this SampleDatatype datatype) => datatype switch
    {
        SampleDatatype.Uint8 or SampleDatatype.Int8 => 1,
        SampleDatatype.Int16 or SampleDatatype.Fp16 => 2,
        _ => 4,
    };
}
