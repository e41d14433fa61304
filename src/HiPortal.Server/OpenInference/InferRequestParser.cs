using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using HiPortal.Core.Codec;

namespace HiPortal.Server.OpenInference;

public sealed record ParsedInferRequest(string? Id, List<float[]>? Samples, string? Error);

/// <summary>
/// Parses an OIP infer request for the Fashion-MNIST model: one input tensor of FP32 in [0,1] or UINT8, shaped
/// N samples of one of <see cref="SampleCodec"/>'s shapes (N, then [1,H,W], [H,W] or [H·W] of the model's input), with data flat or nested
/// (both are allowed by the protocol).
/// </summary>
public static class InferRequestParser
{
    public static ParsedInferRequest Parse(ReadOnlySpan<byte> body)
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

            if (!tensor.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || name.GetString() != "input")
            {
                return Fail("inputs[0].name must be 'input'");
            }

            var datatype = tensor.TryGetProperty("datatype", out var dt) && dt.ValueKind == JsonValueKind.String ? dt.GetString() : null;
            if (datatype is not (SampleCodec.Float32Datatype or SampleCodec.Uint8Datatype))
            {
                return Fail("inputs[0].datatype must be FP32 or UINT8");
            }

            if (ReadShape(tensor, out var count) is { } shapeError)
            {
                return Fail(shapeError);
            }

            if (!tensor.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
            {
                return Fail("inputs[0].data must be an array");
            }

            return Decode(id, datatype, data, count);
        }
    }

    /// <summary>
    /// The JSON numbers are written as the sample's wire bytes (one byte per UINT8 value, little-endian floats for
    /// FP32) and decoded by <see cref="SampleCodec"/>, so the pixel rules are the ones every other input path has.
    /// </summary>
    private static ParsedInferRequest Decode(string? id, string datatype, JsonElement data, int count)
    {
        var uint8 = datatype == SampleCodec.Uint8Datatype;
        var sampleBytes = uint8 ? SampleCodec.Uint8Bytes : SampleCodec.Float32Bytes;
        var wire = ArrayPool<byte>.Shared.Rent(sampleBytes * count);
        var samples = new List<float[]>(count);
        try
        {
            var limit = count * SampleCodec.PixelCount;
            var written = 0;
            if (Flatten(data, wire, uint8, limit, ref written) is { } dataError)
            {
                return Fail(dataError);
            }

            if (written != limit)
            {
                return Fail($"inputs[0].data holds {written} values; shape needs {limit}");
            }

            for (var i = 0; i < count; i++)
            {
                var sample = ArrayPool<float>.Shared.Rent(SampleCodec.PixelCount);
                samples.Add(sample);
                if (!SampleCodec.TryDecode(datatype, wire.AsSpan(i * sampleBytes, sampleBytes), sample, out var error))
                {
                    return Fail($"inputs[0].data, sample {i}: {error!.Message}");
                }
            }

            var decoded = samples;
            samples = [];
            return new ParsedInferRequest(id, decoded, null);
        }
        finally
        {
            // On success the list was handed over (and replaced by an empty one); on failure its buffers go back.
            samples.ForEach(sample => ArrayPool<float>.Shared.Return(sample));
            ArrayPool<byte>.Shared.Return(wire);
        }
    }

    private static string? ReadShape(JsonElement tensor, out int count)
    {
        count = 0;
        if (!tensor.TryGetProperty("shape", out var shape) || shape.ValueKind != JsonValueKind.Array)
        {
            return "inputs[0].shape is required";
        }

        var dims = new List<long>();
        foreach (var d in shape.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out var v) || v < 1)
            {
                return "inputs[0].shape must hold positive integers";
            }

            dims.Add(v);
        }

        // A batch of samples: N, then one sample's shape as the codec accepts it (so [N,H·W], [N,H,W] or [N,1,H,W]).
        if (dims.Count is < 2 or > 4 || dims.Skip(1).Any(d => d > int.MaxValue)
            || SampleCodec.TryValidateShape(dims.Skip(1).Select(d => (int)d).ToArray()) is not null)
        {
            return $"inputs[0].shape [{string.Join(",", dims)}] is not [N,1,{SampleCodec.Height},{SampleCodec.Width}], " +
                $"[N,{SampleCodec.Height},{SampleCodec.Width}] or [N,{SampleCodec.PixelCount}]";
        }

        if (dims[0] > OpenInferenceApi.MaxSamples)
        {
            return $"inputs[0].shape: at most {OpenInferenceApi.MaxSamples} samples per request";
        }

        count = (int)dims[0];
        return null;
    }

    private static string? Flatten(JsonElement element, byte[] wire, bool uint8, int limit, ref int written)
    {
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Array)
            {
                if (Flatten(item, wire, uint8, limit, ref written) is { } error)
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

            if (uint8)
            {
                // Only a whole number in 0..255 has a UINT8 wire form; the range is the JSON's to check, not the codec's.
                if (v is < 0 or > 255 || v != Math.Floor(v))
                {
                    return $"inputs[0].data[{written}] = {v} is not a UINT8 value";
                }

                wire[written] = (byte)v;
            }
            else
            {
                BinaryPrimitives.WriteSingleLittleEndian(wire.AsSpan(written * sizeof(float)), (float)v);
            }

            written++;
        }

        return null;
    }

    private static ParsedInferRequest Fail(string message) => new(null, null, message);
}
