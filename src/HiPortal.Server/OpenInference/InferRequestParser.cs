using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using HiPortal.Core.Codec;
using HiPortal.Core.Inference;

namespace HiPortal.Server.OpenInference;

public sealed record ParsedInferRequest(string? Id, List<float[]>? Samples, string? Error);

/// <summary>
/// Parses an OIP infer request for one served model: one input tensor in one of the decoder's datatypes (the card's,
/// or FP32 already preprocessed), shaped N samples of one of its accepted sample shapes, with data flat or nested
/// (both are allowed by the protocol).
/// </summary>
public static class InferRequestParser
{
    /// <summary>The request's samples go into buffers from <paramref name="inputPool"/> (the served model's; shared when null).</summary>
    public static ParsedInferRequest Parse(ReadOnlySpan<byte> body, SampleDecoder decoder, ArrayPool<float>? inputPool = null)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(body);
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException ex)
        {
            return Fail($"malformed JSON: {ex.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Fail("the request must be a JSON object");
            }

            var id = root.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.String ? idElement.GetString() : null;
            if (!root.TryGetProperty("inputs", out var inputs) || inputs.ValueKind != JsonValueKind.Array || inputs.GetArrayLength() != 1)
            {
                return Fail("'inputs' must be an array holding exactly one tensor named 'input'");
            }

            var tensor = inputs[0];
            if (tensor.ValueKind != JsonValueKind.Object)
            {
                return Fail("inputs[0] must be an object");
            }

            var name = tensor.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            var datatype = tensor.TryGetProperty("datatype", out var dt) && dt.ValueKind == JsonValueKind.String ? dt.GetString() : null;
            if (CheckTensor(name, datatype, decoder, out var type) is { } tensorError)
            {
                return Fail(tensorError);
            }

            if (ReadShape(tensor, decoder, out var count) is { } shapeError)
            {
                return Fail(shapeError);
            }

            if (!tensor.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
            {
                return Fail("inputs[0].data must be an array");
            }

            return Decode(id, type, data, count, decoder, inputPool);
        }
    }

    /// <summary>
    /// The JSON numbers are written as the sample's wire bytes (one byte per UINT8 value, little-endian floats for
    /// FP32) and decoded by the model's <see cref="SampleDecoder"/>, so the rules are the ones every other input path has.
    /// </summary>
    private static ParsedInferRequest Decode(string? id, SampleDatatype type, JsonElement data, int count, SampleDecoder decoder,
        ArrayPool<float>? inputPool)
    {
        var length = decoder.SampleLength;
        var sampleBytes = length * type.ElementBytes();
        var wire = ArrayPool<byte>.Shared.Rent(sampleBytes * count);
        try
        {
            var limit = count * length;
            var written = 0;
            if (Flatten(data, wire, type, limit, ref written) is { } dataError)
            {
                return Fail(dataError);
            }

            if (written != limit)
            {
                return Fail($"inputs[0].data holds {written} values; shape needs {limit}");
            }

            return DecodeSamples(id, type, wire.AsSpan(0, sampleBytes * count), count, decoder, "inputs[0].data", inputPool);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(wire);
        }
    }

    /// <summary>The tensor's name and datatype, as every transport of the protocol (REST, gRPC) checks them.</summary>
    internal static string? CheckTensor(string? name, string? datatype, SampleDecoder decoder, out SampleDatatype type)
    {
        type = default;
        var inputName = decoder.Signature.InputName;
        if (name != inputName && name != "input")
        {
            return $"inputs[0].name must be '{inputName}'";
        }

        return datatype is null || !SampleDatatypes.TryParse(datatype, out type) ||
            !decoder.AcceptedDatatypes.Contains(type.Name(), StringComparer.OrdinalIgnoreCase)
            ? $"inputs[0].datatype must be {string.Join(" or ", decoder.AcceptedDatatypes)}"
            : null;
    }

    /// <summary>
    /// Splits <paramref name="wire"/> (count samples' wire bytes, back to back) into decoded samples in pooled buffers.
    /// </summary>
    internal static ParsedInferRequest DecodeSamples(string? id, SampleDatatype type, ReadOnlySpan<byte> wire, int count, SampleDecoder decoder,
        string field, ArrayPool<float>? inputPool = null)
    {
        var pool = inputPool ?? ArrayPool<float>.Shared;
        var length = decoder.SampleLength;
        var sampleBytes = length * type.ElementBytes();
        if (wire.Length != sampleBytes * count)
        {
            return Fail($"{field} holds {wire.Length} bytes; shape needs {sampleBytes * count}");
        }

        var samples = new List<float[]>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var sample = pool.Rent(length);
                samples.Add(sample);
                if (!decoder.TryDecode(type.Name(), wire.Slice(i * sampleBytes, sampleBytes), sample, out var error))
                {
                    return Fail($"{field}, sample {i}: {error!.Message}");
                }
            }

            var decoded = samples;
            samples = [];
            return new ParsedInferRequest(id, decoded, null);
        }
        finally
        {
            // On success the list was handed over (and replaced by an empty one); on failure its buffers go back.
            samples.ForEach(sample => pool.Return(sample));
        }
    }

    private static string? ReadShape(JsonElement tensor, SampleDecoder decoder, out int count)
    {
        count = 0;
        if (!tensor.TryGetProperty("shape", out var shape) || shape.ValueKind != JsonValueKind.Array)
        {
            return "inputs[0].shape is required";
        }

        var dims = new List<long>();
        foreach (var d in shape.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out var v))
            {
                return "inputs[0].shape must hold positive integers";
            }

            dims.Add(v);
        }

        return CheckShape(dims, decoder, out count);
    }

    /// <summary>N samples, each in one of the shapes the decoder accepts; at most <see cref="OpenInferenceApi.MaxSamples"/>.</summary>
    internal static string? CheckShape(IReadOnlyList<long> dims, SampleDecoder decoder, out int count)
    {
        count = 0;
        if (dims.Any(d => d < 1))
        {
            return "inputs[0].shape must hold positive integers";
        }

        // A batch of samples: N, then one sample's shape as the decoder accepts it (flat, squeezed or the graph's).
        // The batch axis is N here, so a sample shape with its own leading batch axis of 1 is not one.
        if (dims.Count < 2 || dims.Count - 1 > decoder.Signature.SampleShape.Count || dims.Skip(1).Any(d => d > int.MaxValue)
            || decoder.TryValidateShape(dims.Skip(1).Select(d => (int)d).ToArray()) is not null)
        {
            return $"inputs[0].shape [{string.Join(",", dims)}] is not N followed by one of " +
                string.Join(", ", decoder.AcceptedShapes.Select(a => $"[{string.Join(",", a)}]"));
        }

        if (dims[0] > OpenInferenceApi.MaxSamples)
        {
            return $"inputs[0].shape: at most {OpenInferenceApi.MaxSamples} samples per request";
        }

        count = (int)dims[0];
        return null;
    }

    private static string? Flatten(JsonElement element, byte[] wire, SampleDatatype type, int limit, ref int written)
    {
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Array)
            {
                if (Flatten(item, wire, type, limit, ref written) is { } error)
                {
                    return error;
                }

                continue;
            }

            if (written >= limit)
            {
                return $"inputs[0].data holds more values than the shape's {limit}";
            }

            if (item.ValueKind != JsonValueKind.Number || !item.TryGetDouble(out var v))
            {
                return $"inputs[0].data[{written}] is not a number";
            }

            if (Write(type, v, wire, written) is false)
            {
                return $"inputs[0].data[{written}] = {v} is not a {type.Name()} value";
            }

            written++;
        }

        return null;
    }

    /// <summary>Writes one JSON number as its wire form; only whole numbers in range have an integer one (the JSON's to
    /// check, not the decoder's).</summary>
    internal static bool Write(SampleDatatype type, double v, byte[] wire, int index)
    {
        switch (type)
        {
            case SampleDatatype.Uint8:
                if (v is < 0 or > 255 || v != Math.Floor(v))
                    return false;
                wire[index] = (byte)v;
                return true;
            case SampleDatatype.Int8:
                if (v is < sbyte.MinValue or > sbyte.MaxValue || v != Math.Floor(v))
                    return false;
                wire[index] = (byte)(sbyte)v;
                return true;
            case SampleDatatype.Int16:
                if (v is < short.MinValue or > short.MaxValue || v != Math.Floor(v))
                    return false;
                BinaryPrimitives.WriteInt16LittleEndian(wire.AsSpan(index * 2), (short)v);
                return true;
            case SampleDatatype.Fp16:
                BinaryPrimitives.WriteHalfLittleEndian(wire.AsSpan(index * 2), (Half)v);
                return true;
            default:
                BinaryPrimitives.WriteSingleLittleEndian(wire.AsSpan(index * sizeof(float)), (float)v);
                return true;
        }
    }

    internal static ParsedInferRequest Fail(string message) => new(null, null, message);
}
