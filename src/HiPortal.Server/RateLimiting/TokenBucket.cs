namespace HiPortal.Server.RateLimiting;

/// <summary>
/// A token bucket whose requests have a cost (an OIP request with 1,024 samples costs 1,024). A request is let in
/// when the bucket holds its cost, or is full when the cost exceeds the burst; it then goes into debt, so a big
/// request is paid for by waiting afterwards instead of never fitting.
/// </summary>
public sealed class TokenBucket(double ratePerSecond, double burst, long now)
{
    private readonly double _burst = burst;
    /// <summary>Retry-After never says more than this, however small the configured rate.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromHours(1);

    private readonly Lock _lock = new();
    private double _tokens = burst;
    private long _last = now;

    /// <summary>Takes <paramref name="cost"/> tokens; returns null when allowed, else how long until it would be.</summary>
    public TimeSpan? TryTake(double cost, long now, long frequency)
    {
        lock (_lock)
        {
            Refill(now, frequency);
            var need = Math.Min(cost, _burst);
            if (_tokens >= need)
            {
                _tokens -= cost;
                return null;
            }

            return Wait(need);
        }
    }

    /// <summary>How long until <paramref name="cost"/> could be taken (null: now), taking nothing.</summary>
    public TimeSpan? Peek(double cost, long now, long frequency)
    {
        lock (_lock)
        {
            Refill(now, frequency);
            var need = Math.Min(cost, _burst);
            return _tokens >= need ? null : Wait(need);
        }
    }

    private TimeSpan Wait(double need)
    {
        // Computed in seconds and capped before it becomes a TimeSpan: a tiny rate must not overflow.
        var seconds = (need - _tokens) / ratePerSecond;
        return seconds >= MaxWait.TotalSeconds || double.IsNaN(seconds) ? MaxWait : TimeSpan.FromSeconds(seconds);
    }

    /// <summary>True when the bucket has refilled completely, so forgetting it changes nothing.</summary>
    public bool IsFull(long now, long frequency)
    {
        lock (_lock)
        {
            Refill(now, frequency);
            return _tokens >= _burst;
        }
    }

    private void Refill(long now, long frequency)
    {
        _tokens = Math.Min(_burst, _tokens + ((now - _last) * ratePerSecond / frequency));
        _last = now;
    }
}
