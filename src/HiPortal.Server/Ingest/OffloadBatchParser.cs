using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Primitives;

namespace HiPortal.Server.Ingest;

/// <summary>One item of a batch, not yet validated: its JSON bytes, or its binary frame's headers and sample bytes.</summary>
public readonly record struct BatchItem(ReadOnlyMemory<byte> Body, IHeaderDictionary? Headers, string? SampleId, FieldError? Error);

/// <summary>
/// Splits a batch body into its items. Only the envelope can fail the whole request (malformed JSON, no
/// <c>items</c> array, a truncated frame); what is wrong inside one item is that item's error, found when it is parsed
/// as a single offload would be (<see cref="OffloadParser"/>).
/// </summary>
public static class OffloadBatchParser
{
    public const string ItemsField = "items";

    /// <summary>The items of a JSON batch <c>{"items": [offload, ...]}</c>, each its own copy of its JSON.</summary>
    public static FieldError? SplitJson(ReadOnlyMemory<byte> body, int maxItems, out List<BatchItem> items)
    {
        items = [];
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            return new FieldError(Problems.ClientErrorExceptionHandler.FieldFromPath(ex.Path), $"malformed JSON: {ex.Message}");
        }

        using var owner = document;
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return new FieldError("body", "a JSON object {\"items\": [...]} is required");
        }

        var array = root.EnumerateObject().FirstOrDefault(p => p.NameEquals(ItemsField) || p.Name.Equals(ItemsField, StringComparison.OrdinalIgnoreCase)).Value;
        if (array.ValueKind != JsonValueKind.Array)
        {
            return new FieldError(ItemsField, "is required: an array of offloads");
        }

        if (Count(array.GetArrayLength(), maxItems) is { } countError)
        {
            return countError;
        }

        foreach (var item in array.EnumerateArray())
        {
            var sampleId = item.ValueKind == JsonValueKind.Object && item.TryGetProperty("sampleId", out var id) &&
                id.ValueKind == JsonValueKind.String ? id.GetString() : null;
            items.Add(new BatchItem(JsonMarshal.GetRawUtf8Value(item).ToArray(), null, sampleId, null));
        }

        return null;
    }

    /// <summary>The frames of a binary batch (see <see cref="OffloadBatchFrames"/>).</summary>
    public static FieldError? SplitBinary(ReadOnlyMemory<byte> body, int maxItems, out List<BatchItem> items)
    {
        items = [];
        var offset = 0;
        while (offset < body.Length)
        {
            if (items.Count == maxItems)
            {
                return Count(maxItems + 1, maxItems);
            }

            var span = body.Span[offset..];
            if (span.Length < OffloadBatchFrames.MetaLengthBytes)
            {
                return Truncated(items.Count, offset, "its header length");
            }

            var metaLength = BinaryPrimitives.ReadUInt16LittleEndian(span);
            var sampleAt = OffloadBatchFrames.MetaLengthBytes + metaLength;
            if (span.Length < sampleAt + OffloadBatchFrames.SampleLengthBytes)
            {
                return Truncated(items.Count, offset, "its headers and sample length");
            }

            var sampleLength = BinaryPrimitives.ReadUInt32LittleEndian(span[sampleAt..]);
            var dataAt = sampleAt + OffloadBatchFrames.SampleLengthBytes;
            if ((ulong)(span.Length - dataAt) < sampleLength)
            {
                return Truncated(items.Count, offset, $"its {sampleLength} sample bytes");
            }

            var error = ReadHeaders(span.Slice(OffloadBatchFrames.MetaLengthBytes, metaLength), out var headers);
            var sampleId = headers[WireHeaders.SampleId].ToString();
            items.Add(new BatchItem(body.Slice(offset + dataAt, (int)sampleLength), headers, sampleId.Length == 0 ? null : sampleId, error));
            offset += dataAt + (int)sampleLength;
        }

        return Count(items.Count, maxItems);
    }

    private static FieldError? Count(int count, int maxItems) => count switch
    {
        0 => new FieldError(ItemsField, "must hold at least one offload"),
        _ when count > maxItems => new FieldError(ItemsField, $"holds more than the {maxItems} offloads a batch may carry; split it"),
        _ => null,
    };

    /// <summary>True when <paramref name="error"/> is the limit on items (answered 413, not 400).</summary>
    public static bool IsTooMany(FieldError error) => error.Field == ItemsField && error.Message.StartsWith("holds more", StringComparison.Ordinal);

    private static FieldError Truncated(int index, int offset, string what) =>
        new("body", $"frame {index} at byte {offset} ends before {what}");

    /// <summary><c>Name: value</c> lines; a line without a colon is the item's error (its frame is still well formed).</summary>
    private static FieldError? ReadHeaders(ReadOnlySpan<byte> meta, out HeaderDictionary headers)
    {
        headers = new HeaderDictionary();
        FieldError? error = null;
        var lineNumber = 0;
        foreach (var range in meta.Split((byte)'\n'))
        {
            var line = meta[range].TrimEnd((byte)'\r');
            lineNumber++;
            if (line.IsEmpty)
            {
                continue;
            }

            var colon = line.IndexOf((byte)':');
            if (colon <= 0 || !Ascii.IsValid(line))
            {
                error ??= new FieldError("headers", $"line {lineNumber} is not an ASCII 'Name: value' header");
                continue;
            }

            var name = Encoding.ASCII.GetString(line[..colon]).Trim();
            headers[name] = StringValues.Concat(headers[name], Encoding.ASCII.GetString(line[(colon + 1)..]).Trim());
        }

        return error;
    }
}
