using System.Buffers;

namespace HiPortal.Server.Ingest;

/// <summary>
/// Reads a request body into a pooled buffer, refusing anything over the endpoint's limit with 413. Every buffer is
/// counted against the server-wide <see cref="RateLimiting.BodyBudget"/>, which answers 503 when it is spent.
/// </summary>
public static class RequestBody
{
    public static async ValueTask<(byte[]? Buffer, int Length)> ReadAsync(HttpContext context, int limit)
    {
        if (context.Request.ContentLength > limit)
        {
            return (null, -1);
        }

        // This route's limit, not the default for routes without one (RateLimitingExtensions.UseRequestBodyLimits).
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } kestrel)
        {
            kestrel.MaxRequestBodySize = limit + 1L;
        }

        var budget = context.RequestServices.GetService<RateLimiting.BodyBudget>();
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(limit + 1, (int)(context.Request.ContentLength ?? 16 * 1024) + 1));
        Reserve(budget, context, buffer, buffer.Length);
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (buffer.Length > limit)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return (null, -1);
                }

                var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, limit + 1));
                Reserve(budget, context, larger, larger.Length, buffer);
                buffer.AsSpan(0, length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = larger;
            }

            int read;
            try
            {
                read = await context.Request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted);
            }
            catch (Exception ex)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                // Kestrel's chunked reader lets some framing errors out as a bare IOException (a chunk size past
                // long.MaxValue); they are the client's, like the BadHttpRequestException it throws for the others.
                if (ex is IOException && ex is not BadHttpRequestException && !context.RequestAborted.IsCancellationRequested)
                {
                    throw new BadHttpRequestException($"the request body could not be read: {ex.Message}", StatusCodes.Status400BadRequest, ex);
                }

                throw;
            }

            if (read == 0)
            {
                break;
            }

            length += read;
            if (length > limit)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                return (null, -1);
            }
        }

        return (buffer, length);
    }

    private static void Reserve(RateLimiting.BodyBudget? budget, HttpContext context, byte[] buffer, long bytes, byte[]? alsoHeld = null)
    {
        try
        {
            budget?.Reserve(context, bytes);
        }
        catch (RateLimiting.ServerBusyException)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            Return(alsoHeld);
            throw;
        }
    }

    public static void Return(byte[]? buffer)
    {
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
