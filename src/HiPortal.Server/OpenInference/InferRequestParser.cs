using System.Buffers;
using System.Text.Json;
using HiPortal.Core.Inference;

namespace HiPortal.Server.OpenInference;

public sealed record ParsedInferRequest(string? Id, List<float[]>? Samples, string? Error);

/// <summary>
/// Parses an OIP infer request for the Fashion-MNIST model: one input tensor of FP32 in [0,1] or UINT8, shaped
/// [N,1,28,28], [N,28,28] or [N,784], with data flat or nested (both are allowed by the protocol).
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
            if (datatype is not ("FP32" or "UINT8"))
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

            var values = new List<float>(count * OnnxClassifier.InputLength);
            if (Flatten(data, values, datatype == "UINT8", count * OnnxClassifier.InputLength) is { } dataError)
            {
                return Fail(dataError);
            }

            if (values.Count != count * OnnxClassifier.InputLength)
            {
                return Fail($"inputs[0].data holds {values.Count} values; shape needs {count * OnnxClassifier.InputLength}");
            }

            var samples = new List<float[]>(count);
            for (var i = 0; i < count; i++)
            {
                var sample = ArrayPool<float>.Shared.Rent(OnnxClassifier.InputLength);
                for (var p = 0; p < OnnxClassifier.InputLength; p++)
                {
                    sample[p] = values[(i * OnnxClassifier.InputLength) + p];
                }

                samples.Add(sample);
            }

            return new ParsedInferRequest(id, samples, null);
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

        var ok = dims.Count switch
        {
            4 => dims[1] == 1 && dims[2] == 28 && dims[3] == 28,
            3 => dims[1] == 28 && dims[2] == 28,
            2 => dims[1] == 784,
            _ => false,
        };
        if (!ok)
        {
            return $"inputs[0].shape [{string.Join(",", dims)}] is not [N,1,28,28], [N,28,28] or [N,784]";
        }

        if (dims[0] > OpenInferenceApi.MaxSamples)
        {
            return $"inputs[0].shape: at most {OpenInferenceApi.MaxSamples} samples per request";
        }

        count = (int)dims[0];
        return null;
    }

    private static string? Flatten(JsonElement element, List<float> values, bool uint8, int limit)
    {
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Array)
            {
                if (Flatten(item, values, uint8, limit) is { } error)
                {
                    return error;
                }

                continue;
            }

            if (values.Count >= limit)
            {
                return $"inputs[0].data holds more values than the shape's {limit}";
            }

            if (item.ValueKind != JsonValueKind.Number || !item.TryGetDouble(out var v))
            {
                return $"inputs[0].data[{values.Count}] is not a number";
            }

            if (uint8)
            {
                if (v is < 0 or > 255 || v != Math.Floor(v))
                {
                    return $"inputs[0].data[{values.Count}] = {v} is not a UINT8 value";
                }

                values.Add((float)v / 255f);
            }
            else
            {
                if (!double.IsFinite(v) || v is < 0 or > 1)
                {
                    return $"inputs[0].data[{values.Count}] = {v} is outside [0, 1]";
                }

                values.Add((float)v);
            }
        }

        return null;
    }

    private static ParsedInferRequest Fail(string message) => new(null, null, message);
}
