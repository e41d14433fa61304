using Microsoft.Extensions.Options;

namespace HiPortal.Server.RateLimiting;

/// <summary>
/// Bounds the request bytes held in memory by all requests together (<see cref="RateLimitOptions.MaxBufferedBodyBytes"/>).
/// Without it, 32 concurrent 16 MiB OIP bodies doubled the process's memory and slowed every other request.
/// A reservation lasts until the response completes, since what was parsed from the body lives that long too.
/// </summary>
public sealed class BodyBudget(IOptions<RateLimitOptions> options)
{
    private long _reserved;

    public long Reserved => Interlocked.Read(ref _reserved);

    /// <summary>Reserves <paramref name="bytes"/> more for this request, or throws <see cref="ServerBusyException"/>.</summary>
    public void Reserve(HttpContext context, long bytes)
    {
        var limit = options.Value.MaxBufferedBodyBytes;
        if (Interlocked.Add(ref _reserved, bytes) > limit)
        {
            Interlocked.Add(ref _reserved, -bytes);
            throw new ServerBusyException($"the server is holding its limit of {limit} request bytes; retry shortly");
        }

        if (!context.Items.TryGetValue(typeof(Lease), out var existing) || existing is not Lease lease)
        {
            lease = new Lease(this);
            context.Items[typeof(Lease)] = lease;
            context.Response.RegisterForDispose(lease);
        }

        lease.Add(bytes);
    }

    private sealed class Lease(BodyBudget budget) : IDisposable
    {
        private long _bytes;

        public void Add(long bytes) => _bytes += bytes;

        public void Dispose() => Interlocked.Add(ref budget._reserved, -Interlocked.Exchange(ref _bytes, 0));
    }
}

/// <summary>The server is out of a shared resource (not the caller's fault): 503 with Retry-After.</summary>
public sealed class ServerBusyException(string message) : Exception(message);
