namespace HiPortal.DeviceSdk.Transport;

/// <summary>
/// Waits between tries: the server's Retry-After when it gave one, else exponential backoff; both capped and
/// jittered so that a fleet that failed together does not retry together.
/// </summary>
internal sealed class Backoff(TimeSpan baseDelay, TimeSpan maxDelay, Random random)
{
    /// <summary>The wait before try <paramref name="failures"/> + 1, after <paramref name="failures"/> failures (≥ 1).</summary>
    public TimeSpan Next(int failures, TimeSpan? retryAfter)
    {
        if (retryAfter is { } asked)
        {
            // Never earlier than asked; up to 10 % later.
            var wait = Min(asked, maxDelay);
            return wait + (wait * (Jitter() * 0.1));
        }

        var exponent = Math.Clamp(failures - 1, 0, 30);
        var ceiling = Min(baseDelay * Math.Pow(2, exponent), maxDelay);
        // "Equal jitter": at least half the ceiling, so waits still grow.
        return (ceiling / 2) + (ceiling / 2 * Jitter());
    }

    private double Jitter()
    {
        lock (random)
        {
            return random.NextDouble();
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
