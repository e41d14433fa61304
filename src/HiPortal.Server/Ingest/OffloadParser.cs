using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Unicode;
using HiPortal.Core.Codec;

namespace HiPortal.Server.Ingest;

/// <summary>A validated offload: the decoded sample in a pooled buffer plus the facts to store.</summary>
public sealed record ParsedOffload(
    string SampleId,
    DateTimeOffset? CapturedAt,
    int LocalClass,
    double LocalConfidence,
    long? LocalInferenceMicros,
    int? Label,
    int InputBytes,
    string PayloadHash,
    bool Exploration = false);

public sealed record FieldError(string Field, string Message);

/// <summary>
/// Reads both wire forms of an offload: JSON (base64 sample) and the compact binary form for constrained devices
/// (the sample's raw bytes as the body, metadata in X-HiPortal-* headers). Every rejection names its field.
/// </summary>
public static class OffloadParser
{
    public const int MaxSampleIdLength = 128;

    public static FieldError? ParseJson(ReadOnlySpan<byte> body, SampleDecoder decoder, float[] destination, out ParsedOffload? offload)
    {
        offload = null;
        OffloadRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(body, ContractsJson.Default.OffloadRequest);
        }
        catch (JsonException ex)
        {
            return new FieldError(FieldFromPath(ex.Path), $"malformed JSON: {ex.Message}");
        }

        if (request is null)
        {
            return new FieldError("body", "a JSON object is required");
        }

        if (request.Input is null)
        {
            return new FieldError("input", "input is required");
        }

        if (decoder.TryValidateShape(request.Input.Shape) is { } shapeError)
        {
            return new FieldError(shapeError.Field, shapeError.Message);
        }

        // JSON names its datatype (the binary form may leave it to the card): a sample's bytes do not say what they are.
        if (string.IsNullOrEmpty(request.Input.Datatype))
        {
            return new FieldError(SampleDecoder.DatatypeField, $"is required: {string.Join(" or ", decoder.AcceptedDatatypes)}");
        }

        if (string.IsNullOrEmpty(request.Input.Data))
        {
            return new FieldError("input.data", "input.data (base64 of the sample) is required");
        }

        var maxBytes = decoder.MaxSampleBytes;
        var rented = ArrayPool<byte>.Shared.Rent(maxBytes + 3);
        try
        {
            return Finish(request, decoder, destination, rented, maxBytes, out offload);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static FieldError? Finish(OffloadRequest request, SampleDecoder decoder, float[] destination, byte[] rented, int maxBytes,
        out ParsedOffload? offload)
    {
        offload = null;
        var raw = rented.AsSpan(0, maxBytes + 3);
        if (!Convert.TryFromBase64String(request.Input!.Data!, raw, out var rawLength))
        {
            return request.Input.Data!.Length > ((maxBytes + 2) / 3 * 4) + 8
                ? new FieldError("input.data", $"decodes to more than the {maxBytes} bytes of an FP32 sample")
                : new FieldError("input.data", "is not valid base64");
        }

        if (!decoder.TryDecode(request.Input.Datatype, raw[..rawLength], destination, out var codecError))
        {
            return new FieldError(codecError!.Field, codecError.Message);
        }

        var classes = decoder.Signature.ClassCount;
        var local = request.Local;
        if (local?.PredictedClass is not { } localClass)
        {
            return new FieldError("local.predictedClass", "local.predictedClass is required");
        }

        if (ValidateCommon(request.SampleId, localClass, local.Confidence, local.InferenceMicros, request.Label, classes) is { } error)
        {
            return error;
        }

        offload = new ParsedOffload(request.SampleId!, request.CapturedAt, localClass, local.Confidence!.Value,
            local.InferenceMicros, request.Label, rawLength, Hash(raw[..rawLength], localClass, local.Confidence.Value, request.Label),
            request.Exploration ?? false);
        return null;
    }

    /// <summary>The headers that carry one offload's fields: each is sent once (HTTP joins repeats with commas).</summary>
    private static readonly string[] s_fieldHeaders =
    [
        WireHeaders.SampleId, WireHeaders.Datatype, WireHeaders.LocalClass, WireHeaders.LocalConfidence, WireHeaders.LocalMicros,
        WireHeaders.Label, WireHeaders.CapturedAt, WireHeaders.Exploration,
    ];

    public static FieldError? ParseBinary(ReadOnlySpan<byte> body, IHeaderDictionary headers, SampleDecoder decoder, float[] destination,
        out ParsedOffload? offload)
    {
        offload = null;
        foreach (var name in s_fieldHeaders)
        {
            if (headers[name].Count > 1)
            {
                // Two sample ids were stored as one, "a,b", before.
                return new FieldError(name, $"is sent {headers[name].Count} times: send it once");
            }
        }

        var datatype = headers[WireHeaders.Datatype].ToString();
        // No header: the model card's own wire datatype.
        if (!decoder.TryDecode(string.IsNullOrEmpty(datatype) ? null : datatype, body, destination, out var codecError))
        {
            // The binary form has no input.* fields: the sample is the body and its datatype a header.
            var field = codecError!.Field == SampleDecoder.DatatypeField ? WireHeaders.Datatype : "body";
            return new FieldError(field, codecError.Message);
        }

        var sampleId = headers[WireHeaders.SampleId].ToString();
        if (!TryInt(WireHeaders.LocalClass, headers, out var localClass, required: true, out var error) ||
            !TryDouble(WireHeaders.LocalConfidence, headers, out var confidence, out error) ||
            !TryLong(WireHeaders.LocalMicros, headers, out var micros, out error) ||
            !TryInt(WireHeaders.Label, headers, out var label, required: false, out error) ||
            !TryDate(WireHeaders.CapturedAt, headers, out var capturedAt, out error) ||
            !TryBool(WireHeaders.Exploration, headers, out var exploration, out error))
        {
            return error;
        }

        if (ValidateCommon(sampleId, localClass, confidence, micros, label, decoder.Signature.ClassCount, headerNames: true) is { } invalid)
        {
            return invalid;
        }

        offload = new ParsedOffload(sampleId, capturedAt, localClass!.Value, confidence!.Value, micros, label,
            body.Length, Hash(body, localClass.Value, confidence.Value, label), exploration);
        return null;
    }

    private static FieldError? ValidateCommon(string? sampleId, int? localClass, double? confidence, long? micros, int? label,
        int classes, bool headerNames = false)
    {
        string Name(string json, string header) => headerNames ? header : json;
        if (string.IsNullOrEmpty(sampleId) || sampleId.Length > MaxSampleIdLength || sampleId.Any(c => c < 0x21 || c > 0x7e))
        {
            return new FieldError(Name("sampleId", WireHeaders.SampleId),
                $"is required: 1 to {MaxSampleIdLength} printable ASCII characters without spaces");
        }

        if (localClass < 0 || localClass >= classes)
        {
            return new FieldError(Name("local.predictedClass", WireHeaders.LocalClass), $"must be a class index 0..{classes - 1}");
        }

        if (confidence is not { } c || !double.IsFinite(c) || c < 0 || c > 1)
        {
            return new FieldError(Name("local.confidence", WireHeaders.LocalConfidence), "is required and must be a number in [0, 1]");
        }

        if (micros is < 0)
        {
            return new FieldError(Name("local.inferenceMicros", WireHeaders.LocalMicros), "must not be negative");
        }

        if (label < 0 || label >= classes)
        {
            return new FieldError(Name("label", WireHeaders.Label), $"must be a class index 0..{classes - 1}");
        }

        return null;
    }

    /// <summary>
    /// SHA-256 of the sample's bytes then <c>|class|confidence|label</c> (invariant text), in one pass over one pooled
    /// buffer: an incremental hash allocated a native digest context per request.
    /// </summary>
    private static string Hash(ReadOnlySpan<byte> sample, int localClass, double confidence, int? label)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(sample.Length + 64);
        try
        {
            sample.CopyTo(buffer);
            if (!Utf8.TryWrite(buffer.AsSpan(sample.Length), CultureInfo.InvariantCulture, $"|{localClass}|{confidence:R}|{label}", out var written))
            {
                throw new InvalidOperationException("payload hash metadata did not fit");
            }

            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(buffer.AsSpan(0, sample.Length + written), digest);
            return Convert.ToHexStringLower(digest);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string FieldFromPath(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "body" : path.TrimStart('$', '.');

    private static bool TryInt(string header, IHeaderDictionary headers, out int? value, bool required, out FieldError? error)
    {
        value = null;
        error = null;
        var text = headers[header].ToString();
        if (text.Length == 0)
        {
            if (required)
            {
                error = new FieldError(header, "header is required");
            }

            return !required;
        }

        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
        {
            value = v;
            return true;
        }

        error = new FieldError(header, "must be an integer");
        return false;
    }

    private static bool TryDouble(string header, IHeaderDictionary headers, out double? value, out FieldError? error)
    {
        value = null;
        error = null;
        var text = headers[header].ToString();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
        {
            value = v;
            return true;
        }

        error = new FieldError(header, text.Length == 0 ? "header is required" : "must be a number");
        return false;
    }

    private static bool TryLong(string header, IHeaderDictionary headers, out long? value, out FieldError? error)
    {
        value = null;
        error = null;
        var text = headers[header].ToString();
        if (text.Length == 0)
        {
            return true;
        }

        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
        {
            value = v;
            return true;
        }

        error = new FieldError(header, "must be an integer");
        return false;
    }

    private static bool TryBool(string header, IHeaderDictionary headers, out bool value, out FieldError? error)
    {
        error = null;
        value = false;
        var text = headers[header].ToString();
        if (text.Length == 0 || bool.TryParse(text, out value))
        {
            return true;
        }

        error = new FieldError(header, "must be true or false");
        return false;
    }

    private static bool TryDate(string header, IHeaderDictionary headers, out DateTimeOffset? value, out FieldError? error)
    {
        value = null;
        error = null;
        var text = headers[header].ToString();
        if (text.Length == 0)
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var v))
        {
            value = v;
            return true;
        }

        error = new FieldError(header, "must be an ISO 8601 timestamp");
        return false;
    }
}
