using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace HiPortal.Server.Ingest;

/// <summary>
/// A 200 JSON answer serialized synchronously into a per-thread buffer and copied into the response with its
/// Content-Length: the hot routes' small bodies skip the framework's async serializer and chunked encoding, and the
/// server's end-of-request flush sends headers and body together.
/// </summary>
public sealed class BufferedJsonResult<T>(T value, JsonTypeInfo<T> typeInfo) : IResult, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<T>,
    IContentTypeHttpResult
{
    public const string JsonContentType = "application/json; charset=utf-8";

    private const int MaxKeptBytes = 256 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? s_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? s_writer;

    public T Value => value;

    object? IValueHttpResult.Value => value;

    public int? StatusCode => StatusCodes.Status200OK;

    public string ContentType => JsonContentType;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var buffer = s_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = s_writer ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        JsonSerializer.Serialize(writer, value, typeInfo);
        writer.Flush();

        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = JsonContentType;
        response.ContentLength = buffer.WrittenCount;
        // Copied before anything can run on this thread again; the body writer flushes when the request ends.
        response.BodyWriter.Write(buffer.WrittenSpan);
        if (buffer.Capacity > MaxKeptBytes)
        {
            // A rare large batch answer: not kept by the thread for good.
            (s_buffer, s_writer) = (null, null);
        }

        return Task.CompletedTask;
    }
}
