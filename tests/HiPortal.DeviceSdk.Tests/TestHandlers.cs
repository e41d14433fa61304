using System.Collections.Concurrent;
using System.Net;

namespace HiPortal.DeviceSdk.Tests;

/// <summary>
/// Forwards to the real server, with hooks to break the network the way the field does: a hook may answer
/// instead of the server (503, 429), or throw after the server answered (a response lost on the way back).
/// </summary>
public sealed class FaultyNetwork : DelegatingHandler
{
    public FaultyNetwork()
        : base(new SocketsHttpHandler())
    {
    }

    /// <summary>Called before forwarding; a non-null response is returned instead of the server's.</summary>
    public Func<HttpRequestMessage, HttpResponseMessage?>? Before { get; set; }

    /// <summary>Called after the server answered; throw to lose the response.</summary>
    public Action<HttpRequestMessage, HttpResponseMessage>? After { get; set; }

    /// <summary>Every request's path, in order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Sample ids of offloads that reached the server, in order.</summary>
    public ConcurrentQueue<string> Forwarded { get; } = new();

    public static bool IsOffload(HttpRequestMessage request) => request.RequestUri!.AbsolutePath.EndsWith("/offloads", StringComparison.Ordinal);

    public static HttpResponseMessage Status(HttpStatusCode status, int? retryAfterSeconds = null)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent("{}") };
        if (retryAfterSeconds is { } s)
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(s));
        return response;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests.Enqueue(request.RequestUri!.AbsolutePath);
        if (Before?.Invoke(request) is { } replaced)
            return replaced;
        if (IsOffload(request))
            Forwarded.Enqueue(request.Headers.GetValues("X-HiPortal-Sample-Id").Single());
        var response = await base.SendAsync(request, cancellationToken);
        After?.Invoke(request, response);
        return response;
    }
}

/// <summary>
/// Records every wait the SDK asks for and lets the first <c>immediateWaits</c> pass at once, so backoff is asserted
/// without sleeping; later waits (a drainer's, after the test's point) run in real time. <see cref="Advance"/> moves
/// its clock on (timestamps only) for what the SDK measures against it, such as how long it has been on a fallback.
/// </summary>
public sealed class ImmediateTimeProvider(int immediateWaits = int.MaxValue) : TimeProvider
{
    private int _created;
    private long _offset;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offset, (long)(by.TotalSeconds * TimestampFrequency));

    public override long GetTimestamp() => base.GetTimestamp() + Interlocked.Read(ref _offset);

    public ConcurrentQueue<TimeSpan> Waits { get; } = new();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime == Timeout.InfiniteTimeSpan)
            return System.CreateTimer(callback, state, dueTime, period);
        Waits.Enqueue(dueTime);
        var immediate = Interlocked.Increment(ref _created) <= immediateWaits;
        return System.CreateTimer(callback, state, immediate ? TimeSpan.Zero : dueTime, period);
    }
}
