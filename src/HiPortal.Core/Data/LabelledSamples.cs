using HiPortal.Core.Inference;

namespace HiPortal.Core.Data;

/// <summary>
/// Labelled samples stored contiguously, each the raw bytes a device would send in <see cref="Datatype"/>
/// (little-endian), so evaluation, simulation and the bench feed models exactly what the wire carries.
/// </summary>
public sealed class LabelledSamples
{
    private readonly byte[] _data;
    private readonly byte[] _labels;

    public LabelledSamples(SampleDatatype datatype, int sampleLength, byte[] data, byte[] labels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleLength, 1);
        var sampleBytes = sampleLength * datatype.ElementBytes();
        if ((long)labels.Length * sampleBytes != data.Length)
            throw new ArgumentException($"{data.Length} bytes are not {labels.Length} samples of {sampleBytes} bytes");
        (Datatype, SampleLength, SampleBytes, _data, _labels) = (datatype, sampleLength, sampleBytes, data, labels);
    }

    public SampleDatatype Datatype { get; }

    /// <summary>Elements in one sample.</summary>
    public int SampleLength { get; }

    public int SampleBytes { get; }

    public int Count => _labels.Length;

    public ReadOnlySpan<byte> Labels => _labels;

    public ReadOnlySpan<byte> Sample(int index) => _data.AsSpan(index * SampleBytes, SampleBytes);

    public byte Label(int index) => _labels[index];

    /// <summary>The first <paramref name="count"/> samples (all when count is larger).</summary>
    public LabelledSamples Take(int count) => Slice(0, Math.Min(count, Count));

    public LabelledSamples Slice(int start, int count) => new(Datatype, SampleLength, SampleData(start, count), LabelData(start, count));

    private byte[] SampleData(int start, int count) => _data.AsSpan(start * SampleBytes, count * SampleBytes).ToArray();

    private byte[] LabelData(int start, int count) => _labels.AsSpan(start, count).ToArray();

    /// <summary>Null when these samples fit <paramref name="signature"/>: its element count, in its datatype or FP32
    /// (the model's input, as the decoder accepts it); otherwise what does not fit.</summary>
    public string? MismatchWith(ModelSignature signature)
    {
        if (SampleLength != signature.SampleLength)
            return $"a sample has {SampleLength} elements; {signature.Card.Reference} takes {signature.SampleLength} ([{string.Join(",", signature.SampleShape)}])";
        if (Datatype != signature.Datatype && Datatype != SampleDatatype.Fp32)
            return $"samples are {Datatype.Name()}; {signature.Card.Reference} takes {signature.Datatype.Name()} (or FP32 model input)";
        return null;
    }
}
