using System.Buffers.Binary;
using System.Globalization;
using HiPortal.Core.Inference;

namespace HiPortal.Core.Codec;

/// <summary>
/// The wire format of one sample of one model, from its card: the card's datatype (UINT8, INT8, INT16, FP16 or FP32,
/// little-endian) turned into the graph's input by the card's preprocessing, or FP32 values that already are the
/// model's input (checked against the card's range when it gives one). Every input path (JSON, binary, Open
/// Inference, the device SDK) decodes through here. Decoding allocates nothing unless the sample is rejected.
/// </summary>
public sealed class SampleDecoder
{
    public const string DataField = "input.data";
    public const string ShapeField = "input.shape";
    public const string DatatypeField = "input.datatype";

    private readonly ModelSignature _signature;
    private readonly int[][] _acceptedShapes;
    private readonly string _sampleText;

    // For 8-bit datatypes, each channel's 256 possible inputs preprocessed once (the same formula, so the same floats):
    // a sample is then a table lookup per element instead of a double multiply and divide.
    private readonly float[][]? _byteTables;

    public SampleDecoder(ModelSignature signature)
    {
        _signature = signature;
        var shape = signature.SampleShape.ToArray();
        var squeezed = shape.Where(d => d != 1).ToArray();
        int[][] candidates = [[signature.SampleLength], squeezed.Length == 0 ? [1] : squeezed, shape, [1, .. shape]];
        var accepted = new List<int[]>();
        foreach (var candidate in candidates)
        {
            if (!accepted.Any(a => a.SequenceEqual(candidate)))
                accepted.Add(candidate);
        }

        _acceptedShapes = [.. accepted];
        _sampleText = squeezed.Length == 0 ? "1" : string.Join("x", squeezed);
        if (signature.Datatype is SampleDatatype.Uint8 or SampleDatatype.Int8)
        {
            _byteTables = new float[signature.Channels][];
            for (var c = 0; c < signature.Channels; c++)
            {
                var table = _byteTables[c] = new float[256];
                for (var b = 0; b < 256; b++)
                {
                    double raw = signature.Datatype == SampleDatatype.Uint8 ? b : (sbyte)(byte)b;
                    table[b] = Preprocessed(raw, signature.Scale, signature.Mean[c], signature.Std[c]);
                }
            }
        }
    }

    // In double, then rounded once: UINT8 · (1/255) gives exactly the float that pixel / 255f gives.
    private static float Preprocessed(double raw, double scale, double mean, double std) => (float)(((raw * scale) - mean) / std);

    public ModelSignature Signature => _signature;

    /// <summary>Floats one decoded sample fills.</summary>
    public int SampleLength => _signature.SampleLength;

    /// <summary>The most bytes a valid sample can have on the wire (its FP32 form or its card datatype's).</summary>
    public int MaxSampleBytes => Math.Max(_signature.SampleBytes, _signature.SampleLength * sizeof(float));

    /// <summary>The shapes one sample may be sent in: flat, squeezed, the graph's, and with a batch axis of 1.</summary>
    public IReadOnlyList<int[]> AcceptedShapes => _acceptedShapes;

    /// <summary>The datatypes a sample may be sent in: the card's, and FP32 (already the model's input).</summary>
    public IReadOnlyList<string> AcceptedDatatypes => _signature.Datatype == SampleDatatype.Fp32
        ? ["FP32"] : [_signature.Datatype.Name(), "FP32"];

    /// <summary>Null when <paramref name="shape"/> is one sample's.</summary>
    public SampleFormatError? TryValidateShape(IReadOnlyList<int>? shape)
    {
        if (shape is not null && _acceptedShapes.Any(accepted => accepted.SequenceEqual(shape)))
            return null;
        var got = shape is null ? "none" : Format(shape);
        return new SampleFormatError(ShapeField, $"expected one of {string.Join(", ", _acceptedShapes.Select(Format))}, got {got}");
    }

    /// <summary>Decodes and preprocesses one sample or throws <see cref="SampleFormatException"/>.</summary>
    public void Decode(string? datatype, ReadOnlySpan<byte> data, Span<float> destination)
    {
        if (!TryDecode(datatype, data, destination, out var error))
            throw new SampleFormatException(error!.Field, error.Message);
    }

    /// <summary>
    /// Decodes <paramref name="data"/> sent as <paramref name="datatype"/> (any case; null = the card's) into the
    /// model's input, without throwing.
    /// </summary>
    public bool TryDecode(string? datatype, ReadOnlySpan<byte> data, Span<float> destination, out SampleFormatError? error)
    {
        var name = datatype ?? _signature.Datatype.Name();
        if (!SampleDatatypes.TryParse(name, out var type) || (type != _signature.Datatype && type != SampleDatatype.Fp32))
        {
            error = new SampleFormatError(DatatypeField, $"unsupported datatype '{name}'; expected {string.Join(" or ", AcceptedDatatypes)}");
            return false;
        }

        var expected = SampleLength * type.ElementBytes();
        if (data.Length != expected)
        {
            error = new SampleFormatError(DataField, $"expected {expected} bytes for {type.Name()} {_sampleText}, got {data.Length}");
            return false;
        }

        if (destination.Length < SampleLength)
            throw new ArgumentException($"Destination holds {destination.Length} floats; {SampleLength} are needed.", nameof(destination));

        error = type == _signature.Datatype ? Preprocess(type, data, destination) : CopyModelInput(data, destination);
        return error is null;
    }

    private SampleFormatError? Preprocess(SampleDatatype type, ReadOnlySpan<byte> data, Span<float> destination)
    {
        var s = _signature;
        var n = s.ChannelLength;
        if (_byteTables is not null)
        {
            for (var c = 0; c < s.Channels; c++)
            {
                var table = _byteTables[c];
                var input = data.Slice(c * n, n);
                var output = destination.Slice(c * n, n);
                for (var i = 0; i < input.Length; i++)
                    output[i] = table[input[i]];
            }

            return null;
        }

        for (var c = 0; c < s.Channels; c++)
        {
            var (scale, mean, std) = (s.Scale, s.Mean[c], s.Std[c]);
            var start = c * n;
            for (var i = start; i < start + n; i++)
            {
                double raw;
                switch (type)
                {
                    case SampleDatatype.Uint8:
                        raw = data[i];
                        break;
                    case SampleDatatype.Int8:
                        raw = (sbyte)data[i];
                        break;
                    case SampleDatatype.Int16:
                        raw = BinaryPrimitives.ReadInt16LittleEndian(data[(i * 2)..]);
                        break;
                    case SampleDatatype.Fp16:
                        var half = (float)BinaryPrimitives.ReadHalfLittleEndian(data[(i * 2)..]);
                        if (!float.IsFinite(half))
                            return NotFinite(half, i);
                        raw = half;
                        break;
                    default:
                        var single = BinaryPrimitives.ReadSingleLittleEndian(data[(i * 4)..]);
                        if (!float.IsFinite(single))
                            return NotFinite(single, i);
                        raw = single;
                        break;
                }

                destination[i] = Preprocessed(raw, scale, mean, std);
            }
        }

        return type == SampleDatatype.Fp32 ? CheckRange(destination[..SampleLength]) : null;
    }

    private SampleFormatError? CopyModelInput(ReadOnlySpan<byte> data, Span<float> destination)
    {
        for (var i = 0; i < SampleLength; i++)
        {
            var value = BinaryPrimitives.ReadSingleLittleEndian(data[(i * sizeof(float))..]);
            if (!float.IsFinite(value))
                return NotFinite(value, i);
            destination[i] = value;
        }

        return CheckRange(destination[..SampleLength]);
    }

    private SampleFormatError? CheckRange(ReadOnlySpan<float> values)
    {
        if (_signature.Range is not { } range)
            return null;
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] < range.Min || values[i] > range.Max)
            {
                return new SampleFormatError(DataField, string.Create(CultureInfo.InvariantCulture,
                    $"value {values[i]} at index {i} is outside [{range.Min}, {range.Max}]"));
            }
        }

        return null;
    }

    private static SampleFormatError NotFinite(float value, int index) =>
        new(DataField, $"value at index {index} is {(float.IsNaN(value) ? "NaN" : float.IsPositiveInfinity(value) ? "+Infinity" : "-Infinity")}; values must be finite");

    private static string Format(IEnumerable<int> shape) => $"[{string.Join(",", shape)}]";
}
